namespace DiMaskDino.Inference.Batching;

/// <summary>
/// One image to label: its encoded bytes and the caller's <paramref name="Tag"/> (whatever the caller needs to know
/// which image an outcome belongs to: an index, a manifest entry, a path), handed back on its <see cref="ImageOutcome{TTag}"/>.
/// </summary>
/// <remarks>The bytes are read while the image is decoded; the caller must not change them until its outcome is yielded.</remarks>
public sealed record ImageInput<TTag>(TTag Tag, ReadOnlyMemory<byte> Bytes);

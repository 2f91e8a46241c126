namespace DiMaskDino.Inference.Batching;

/// <summary>One image to label: the caller's <paramref name="Key"/> (e.g. a relative path or blob name) and its encoded bytes.</summary>
/// <remarks>The bytes are read while the image is decoded; the caller must not change them until its outcome is yielded.</remarks>
public sealed record ImageInput(string Key, ReadOnlyMemory<byte> Bytes);

namespace DiMaskDino.Inference.Images;

/// <summary>
/// A decoded, upright image: <see cref="Pixels"/> is planar RGB float32 <c>[3, Height, Width]</c> with values in
/// 0..255 (model.md §1.1 step 1). <see cref="Height"/> and <see cref="Width"/> are the size as displayed, after the
/// EXIF orientation was applied; they are the "original size" results are reported in.
/// </summary>
/// <param name="Format">The detected container format, e.g. "JPEG" or "PNG".</param>
public sealed record DecodedImage(int Height, int Width, float[] Pixels, string Format)
{
    /// <summary>Channel <paramref name="channel"/> (0 = R, 1 = G, 2 = B), row-major.</summary>
    public ReadOnlySpan<float> Plane(int channel) => Pixels.AsSpan(channel * Height * Width, Height * Width);
}

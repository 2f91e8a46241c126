namespace DiMaskDino.Contracts.Images;

/// <summary>
/// Which file or blob names are images DiMaskDino.Inference's <c>ImageLoader</c> is asked to decode: by extension, case-insensitive.
/// Used wherever a folder or a listing is searched for images (predict, the labeling pipeline's planner); a file
/// named explicitly is decoded whatever its extension.
/// </summary>
public static class ImageFileNames
{
    public static IReadOnlySet<string> Extensions { get; } = new HashSet<string>(
        [".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".gif", ".webp", ".tif", ".tiff", ".tga", ".pbm", ".pgm", ".ppm"],
        StringComparer.OrdinalIgnoreCase);

    public static bool IsImage(string name) => Extensions.Contains(Path.GetExtension(name));
}

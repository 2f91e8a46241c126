namespace DiMaskDino.Pipeline.Planning;

/// <summary>Which listed blobs are images: by extension, case-insensitive. Anything else under the prefix (a
/// <c>_label.json</c> request, a README) is not part of the dataset and is counted as skipped.</summary>
public static class ImageNames
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".gif", ".webp", ".tif", ".tiff", ".tga", ".pbm", ".pgm", ".ppm",
    };

    public static bool IsImage(string name) => Extensions.Contains(Path.GetExtension(name));
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Pipeline.Tests.Fixtures;

/// <summary>Small deterministic PNGs: a coloured rectangle on a grey background, different for every index.</summary>
public static class SyntheticImages
{
    public static string Write(string folder, string name, int index, int width = 48, int height = 40)
    {
        var path = Path.Combine(folder, name.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var image = new Image<Rgb24>(width, height, new Rgb24(90, 90, 90));
        var (x0, y0) = (index * 7 % (width / 2), index * 5 % (height / 2));
        var colour = new Rgb24((byte)(index * 37 % 256), (byte)(index * 91 % 256), (byte)(200 - index % 100));
        for (var y = y0; y < Math.Min(height, y0 + height / 2); y++)
        {
            for (var x = x0; x < Math.Min(width, x0 + width / 2); x++)
            {
                image[x, y] = colour;
            }
        }

        image.Save(path, new PngEncoder());
        return path;
    }

    /// <summary>Writes <paramref name="count"/> images named <c>img-000.png</c>, … into <paramref name="folder"/>.</summary>
    public static IReadOnlyList<string> WriteMany(string folder, int count, int firstIndex = 0) =>
        [.. Enumerable.Range(firstIndex, count).Select(i => Write(folder, $"img-{i:D3}.png", i))];
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Model.Tests.Data;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("dimaskdino-data-tests-").FullName;

    public string File(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Writes small COCO datasets (PNG images + annotations.json) for the reader tests.</summary>
internal static class TestDatasets
{
    /// <summary>An image whose pixel (x, y) is (x, y, 200) — easy to check after decoding.</summary>
    public static void WriteGradientPng(string path, int width, int height)
    {
        using var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                image[x, y] = new Rgb24((byte)x, (byte)y, 200);
            }
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        image.SaveAsPng(path);
    }

    /// <summary>
    /// Two images (a.png 40x30, b.png 20x20), categories 7 "big" and 3 "small"; image 1 has a polygon (category 7),
    /// an uncompressed RLE (category 3) and a crowd annotation; image 2 has only a crowd annotation.
    /// </summary>
    public static string WriteBasic(TemporaryFolder folder, Action<string>? tamperImages = null)
    {
        var images = folder.File("images");
        WriteGradientPng(System.IO.Path.Combine(images, "a.png"), 40, 30);
        WriteGradientPng(System.IO.Path.Combine(images, "b.png"), 20, 20);
        tamperImages?.Invoke(images);
        // RLE for 30x40 (h x w): column-major; foreground = column 5, rows 10..19 (10 pixels) → runs [5*30+10, 10, rest].
        var rest = 30 * 40 - (5 * 30 + 10) - 10;
        var json = $$"""
        {
          "images": [
            {"id": 1, "width": 40, "height": 30, "file_name": "a.png"},
            {"id": 2, "width": 20, "height": 20, "file_name": "b.png"}
          ],
          "categories": [{"id": 7, "name": "big"}, {"id": 3, "name": "small"}],
          "annotations": [
            {"id": 1, "image_id": 1, "category_id": 7, "segmentation": [[10, 5, 20, 5, 20, 15, 10, 15]], "area": 100, "bbox": [10, 5, 10, 10], "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 3, "segmentation": {"size": [30, 40], "counts": [{{5 * 30 + 10}}, 10, {{rest}}]}, "area": 10, "bbox": [5, 10, 1, 10], "iscrowd": 0},
            {"id": 3, "image_id": 1, "category_id": 3, "segmentation": [[0, 0, 5, 0, 5, 5, 0, 5]], "area": 25, "bbox": [0, 0, 5, 5], "iscrowd": 1},
            {"id": 4, "image_id": 2, "category_id": 7, "segmentation": [[0, 0, 5, 0, 5, 5, 0, 5]], "area": 25, "bbox": [0, 0, 5, 5], "iscrowd": 1}
          ]
        }
        """;
        var path = folder.File("annotations.json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }
}

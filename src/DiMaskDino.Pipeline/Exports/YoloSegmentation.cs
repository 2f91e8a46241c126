using System.Globalization;
using System.Text;

namespace DiMaskDino.Pipeline.Exports;

/// <summary>
/// Ultralytics' YOLO segmentation dataset: for every labeled image <c>labels/{file_name without extension}.txt</c>
/// (empty when it has no label), one line per object, <c>class x1 y1 x2 y2 …</c> with the polygon's corners divided by
/// the image's width and height; the class is the category's position in id order. A line holds one polygon, so an
/// object in several parts is written as its largest part. <c>data.yaml</c> names the classes and points
/// <c>train</c> and <c>val</c> at <c>images/</c> (Ultralytics finds each label by replacing <c>images</c> with
/// <c>labels</c> in the image's path), filled with links to the images when their folder is known. It has no
/// <c>path</c>: Ultralytics then takes the folder of data.yaml as the dataset root, so the export can be moved.
/// </summary>
internal static class YoloSegmentation
{
    public const string DataFile = "data.yaml";

    public static void Write(LabelSet labels, ExportOptions options, string folder)
    {
        var dataset = labels.Dataset;
        var classOf = dataset.Categories.OrderBy(c => c.Id).Select((c, i) => (c.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var byImage = dataset.Annotations.ToLookup(a => a.ImageId);
        foreach (var image in dataset.Images)
        {
            var stem = Path.ChangeExtension(image.FileName, null);
            var file = Path.Combine(folder, "labels", stem.Replace('/', Path.DirectorySeparatorChar) + ".txt");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var text = new StringBuilder();
            foreach (var annotation in byImage[image.Id])
            {
                var polygons = ExportMasks.Polygons(annotation, image);
                if (polygons.Count == 0)
                {
                    continue;
                }

                var polygon = polygons.MaxBy(Area)!;
                text.Append(classOf[annotation.CategoryId].ToString(CultureInfo.InvariantCulture));
                for (int i = 0; i + 1 < polygon.Length; i += 2)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {Math.Clamp(polygon[i] / image.Width, 0, 1):0.######} {Math.Clamp(polygon[i + 1] / image.Height, 0, 1):0.######}");
                }

                text.Append('\n');
            }

            File.WriteAllText(file, text.ToString());
            if (options.ImagesFolder is { } source)
            {
                var link = Path.Combine(folder, "images", image.FileName.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(link)!);
                File.CreateSymbolicLink(link, Path.GetFullPath(Path.Combine(source, image.FileName)));
            }
        }

        var yaml = new StringBuilder();
        yaml.Append("# Ultralytics YOLO segmentation dataset (dimaskdino export); images/ holds the images, labels/ their polygons.\n");
        yaml.Append("# No path: the dataset root is the folder of this file.\n");
        yaml.Append("train: images\nval: images\n");
        yaml.Append("names:\n");
        foreach (var category in dataset.Categories.OrderBy(c => c.Id))
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  {classOf[category.Id]}: {Quote(category.Name)}\n");
        }

        File.WriteAllText(Path.Combine(folder, DataFile), yaml.ToString());
    }

    /// <summary>A single-quoted YAML scalar (quotes doubled).</summary>
    private static string Quote(string value) => $"'{value.Replace("'", "''", StringComparison.Ordinal)}'";

    private static double Area(double[] polygon)
    {
        double twice = 0;
        for (int i = 0; i + 1 < polygon.Length; i += 2)
        {
            int j = (i + 2) % polygon.Length;
            twice += polygon[i] * polygon[j + 1] - polygon[j] * polygon[i + 1];
        }

        return Math.Abs(twice) / 2;
    }
}

using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Cli.Bench;

/// <summary>
/// The large deterministic COCOeval benchmark case: 5,000 images of 160×120 or 120×160, 80 categories,
/// about 35,000 ground truths (star-shaped polygons, 1 % crowd regions as RLE) and 100 detections per
/// image (jittered copies of ground truths, some with the wrong category, plus clutter), written as
/// <c>gt.json</c>, <c>dt_bbox.json</c> (boxes only), <c>dt_segm.json</c> (RLE masks only) and
/// <c>dt.json</c> (both, as a labeler writes them).
/// </summary>
internal sealed class SyntheticCocoCase(int images = 5000, int categories = 80, int detectionsPerImage = 100, ulong seed = 20261124)
{
    public const string GroundTruthFile = "gt.json";
    public const string BoxDetectionsFile = "dt_bbox.json";
    public const string MaskDetectionsFile = "dt_segm.json";
    public const string CombinedDetectionsFile = "dt.json";

    public static bool ExistsIn(string directory) =>
        new[] { GroundTruthFile, BoxDetectionsFile, MaskDetectionsFile, CombinedDetectionsFile }.All(f => File.Exists(Path.Combine(directory, f)));

    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var random = new SplitMix64(seed);
        var imageList = new List<CocoImage>(images);
        var annotations = new List<CocoAnnotation>(images * 7);
        var boxDetections = new List<CocoDetection>(images * detectionsPerImage);
        var maskDetections = new List<CocoDetection>(images * detectionsPerImage);
        var combined = new List<CocoDetection>(images * detectionsPerImage);
        for (var i = 0; i < images; i++)
        {
            var (width, height) = i % 2 == 0 ? (160, 120) : (120, 160);
            var image = new CocoImage { Id = i + 1, Width = width, Height = height, FileName = $"synthetic_{i + 1:D6}.png" };
            imageList.Add(image);
            var objects = AddGroundTruths(random, image, annotations);
            AddDetections(random, image, objects, boxDetections, maskDetections, combined);
        }

        var dataset = new CocoDataset
        {
            Images = imageList,
            Categories = [.. Enumerable.Range(1, categories).Select(c => new CocoCategory { Id = c, Name = $"class{c}", Supercategory = "thing" })],
            Annotations = annotations,
        };
        WriteAtomically(Path.Combine(directory, GroundTruthFile), s => CocoFiles.WriteDataset(dataset, s));
        WriteAtomically(Path.Combine(directory, BoxDetectionsFile), s => CocoFiles.WriteDetections(boxDetections, s));
        WriteAtomically(Path.Combine(directory, MaskDetectionsFile), s => CocoFiles.WriteDetections(maskDetections, s));
        WriteAtomically(Path.Combine(directory, CombinedDetectionsFile), s => CocoFiles.WriteDetections(combined, s));
    }

    private List<(double[] Polygon, int Category)> AddGroundTruths(SplitMix64 random, CocoImage image, List<CocoAnnotation> annotations)
    {
        var objects = new List<(double[], int)>();
        var count = random.Int(2, 13);
        for (var n = 0; n < count; n++)
        {
            var polygon = StarPolygon(random, image.Width, image.Height);
            var category = random.Int(1, categories + 1);
            var id = annotations.Count + 1;
            if (random.NextDouble() < 0.01)
            {
                var mask = Rle.FromPolygons([polygon], image.Height, image.Width);
                annotations.Add(new CocoAnnotation
                {
                    Id = id, ImageId = image.Id, CategoryId = category, IsCrowd = true, Area = mask.Area, Bbox = mask.Bounds,
                    Segmentation = RleSegmentation.Uncompressed(image.Height, image.Width, mask.Counts.ToArray()),
                });
                continue;
            }

            annotations.Add(new CocoAnnotation
            {
                Id = id, ImageId = image.Id, CategoryId = category, Area = ShoelaceArea(polygon), Bbox = Bounds(polygon),
                Segmentation = new PolygonSegmentation([polygon]),
            });
            objects.Add((polygon, category));
        }

        return objects;
    }

    private void AddDetections(
        SplitMix64 random, CocoImage image, List<(double[] Polygon, int Category)> objects, List<CocoDetection> boxes, List<CocoDetection> masks,
        List<CocoDetection> combined)
    {
        for (var n = 0; n < detectionsPerImage; n++)
        {
            double[] polygon;
            int category;
            double score;
            if (objects.Count > 0 && n < objects.Count * 3)
            {
                var (source, sourceCategory) = objects[n % objects.Count];
                polygon = Jitter(random, source, image.Width, image.Height);
                category = random.NextDouble() < 0.9 ? sourceCategory : random.Int(1, categories + 1);
                score = Math.Round(random.Uniform(0.3, 1.0), 3);
            }
            else
            {
                polygon = StarPolygon(random, image.Width, image.Height);
                category = random.Int(1, categories + 1);
                score = Math.Round(random.Uniform(0.0, 0.7), 3);
            }

            var mask = Rle.FromPolygons([polygon], image.Height, image.Width);
            var box = Round(Bounds(polygon));
            var rle = RleSegmentation.Compressed(image.Height, image.Width, Rle.ToCompressedString(mask));
            boxes.Add(new CocoDetection { ImageId = image.Id, CategoryId = category, Score = score, Bbox = box });
            masks.Add(new CocoDetection { ImageId = image.Id, CategoryId = category, Score = score, Segmentation = rle });
            combined.Add(new CocoDetection { ImageId = image.Id, CategoryId = category, Score = score, Bbox = box, Segmentation = rle });
        }
    }

    private static double[] StarPolygon(SplitMix64 random, int width, int height)
    {
        var radius = Math.Exp(random.Uniform(Math.Log(3), Math.Log(70)));
        double cx = random.Uniform(0, width), cy = random.Uniform(0, height);
        var vertices = random.Int(5, 13);
        var polygon = new double[vertices * 2];
        for (var v = 0; v < vertices; v++)
        {
            var angle = 2 * Math.PI * (v + random.Uniform(0, 0.8)) / vertices;
            var r = radius * random.Uniform(0.5, 1.0);
            polygon[2 * v] = Math.Round(Math.Clamp(cx + r * Math.Cos(angle), 0, width), 2);
            polygon[2 * v + 1] = Math.Round(Math.Clamp(cy + r * Math.Sin(angle), 0, height), 2);
        }

        return polygon;
    }

    private static double[] Jitter(SplitMix64 random, double[] polygon, int width, int height)
    {
        var box = Bounds(polygon);
        var scale = random.Uniform(0.8, 1.2);
        double dx = random.Uniform(-0.15, 0.15) * box.Width, dy = random.Uniform(-0.15, 0.15) * box.Height;
        double cx = box.X + box.Width / 2, cy = box.Y + box.Height / 2;
        var result = new double[polygon.Length];
        for (var i = 0; i < polygon.Length; i += 2)
        {
            result[i] = Math.Round(Math.Clamp(cx + (polygon[i] - cx) * scale + dx, 0, width), 2);
            result[i + 1] = Math.Round(Math.Clamp(cy + (polygon[i + 1] - cy) * scale + dy, 0, height), 2);
        }

        return result;
    }

    private static BoundingBox Bounds(double[] polygon)
    {
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (var i = 0; i < polygon.Length; i += 2)
        {
            minX = Math.Min(minX, polygon[i]);
            maxX = Math.Max(maxX, polygon[i]);
            minY = Math.Min(minY, polygon[i + 1]);
            maxY = Math.Max(maxY, polygon[i + 1]);
        }

        return new BoundingBox(minX, minY, maxX - minX, maxY - minY);
    }

    private static BoundingBox Round(BoundingBox b) =>
        new(Math.Round(b.X, 2), Math.Round(b.Y, 2), Math.Round(b.Width, 2), Math.Round(b.Height, 2));

    private static double ShoelaceArea(double[] polygon)
    {
        var twice = 0.0;
        for (int i = 0, n = polygon.Length; i < n; i += 2)
        {
            var j = (i + 2) % n;
            twice += polygon[i] * polygon[j + 1] - polygon[j] * polygon[i + 1];
        }

        return Math.Abs(twice) / 2;
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        {
            write(stream);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

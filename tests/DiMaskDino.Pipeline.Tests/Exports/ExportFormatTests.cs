using System.IO.Compression;
using System.Text.Json;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Pipeline.Exports;
using DiMaskDino.Pipeline.Jobs;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Pipeline.Tests.Exports;

/// <summary>
/// Each export against its tool's documented import format: Label Studio tasks with brushlabels (rle-pack, decoded
/// here as thi.ng/rle-pack's <c>decode</c> does) or polygonlabels, CVAT's COCO 1.0 with polygons, Ultralytics YOLO
/// segmentation, COCO with polygons; masks are checked by a round trip back to pixels.
/// </summary>
public sealed class ExportFormatTests
{
    private const int W = 40, H = 30;

    [Fact]
    public void Label_studio_tasks_hold_brushlabels_predictions_that_decode_to_the_masks()
    {
        using var temp = new TemporaryDirectory();
        var labels = Labels(temp);

        LabelExporter.Write(labels, ExportFormat.LabelStudio, temp.File("ls"), new ExportOptions { ImageUrlPrefix = "/data/local-files/?d=shapes/" });

        var config = File.ReadAllText(Path.Combine(temp.File("ls"), "labeling-config.xml"));
        Assert.Contains("<BrushLabels name=\"label\" toName=\"image\">", config, StringComparison.Ordinal);
        Assert.Contains("<Image name=\"image\" value=\"$image\"", config, StringComparison.Ordinal);
        var tasks = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(temp.File("ls"), "tasks.json"))).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, tasks.Count);
        Assert.Equal("/data/local-files/?d=shapes/a/one.png", tasks[0].GetProperty("data").GetProperty("image").GetString());
        var prediction = Assert.Single(tasks[0].GetProperty("predictions").EnumerateArray());
        Assert.Equal("tiny.onnx@v1", prediction.GetProperty("model_version").GetString());
        Assert.Equal(0.75, prediction.GetProperty("score").GetDouble(), 12);
        var results = prediction.GetProperty("result").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        var masks = labels.Dataset.Annotations.Where(a => a.ImageId == 1).ToList();
        for (int i = 0; i < results.Count; i++)
        {
            var result = results[i];
            Assert.Equal("brushlabels", result.GetProperty("type").GetString());
            Assert.Equal("label", result.GetProperty("from_name").GetString());
            Assert.Equal("image", result.GetProperty("to_name").GetString());
            Assert.Equal(W, result.GetProperty("original_width").GetInt32());
            Assert.Equal(H, result.GetProperty("original_height").GetInt32());
            Assert.Equal(masks[i].Score, result.GetProperty("score").GetDouble());
            var value = result.GetProperty("value");
            Assert.Equal("rle", value.GetProperty("format").GetString());
            Assert.Contains($"<Label value=\"{System.Security.SecurityElement.Escape(Assert.Single(value.GetProperty("brushlabels").EnumerateArray()).GetString())}\"/>", config, StringComparison.Ordinal);
            var rgba = RlePackDecode([.. value.GetProperty("rle").EnumerateArray().Select(b => b.GetByte())]);
            Assert.Equal(RowMajorRgba(Mask(masks[i])), rgba);
        }

        Assert.Empty(Assert.Single(tasks[1].GetProperty("predictions").EnumerateArray()).GetProperty("result").EnumerateArray());
    }

    [Fact]
    public void Label_studio_polygons_are_polygonlabels_in_percent_of_the_image()
    {
        using var temp = new TemporaryDirectory();

        LabelExporter.Write(Labels(temp), ExportFormat.LabelStudio, temp.File("ls"), new ExportOptions { Polygons = true });

        var result = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(temp.File("ls"), "tasks.json"))).RootElement[0]
            .GetProperty("predictions")[0].GetProperty("result")[0];
        Assert.Equal("polygonlabels", result.GetProperty("type").GetString());
        var points = result.GetProperty("value").GetProperty("points").EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToList();
        Assert.Equal([(5 * 100.0 / W, 4 * 100.0 / H), (17 * 100.0 / W, 4 * 100.0 / H), (17 * 100.0 / W, 14 * 100.0 / H), (5 * 100.0 / W, 14 * 100.0 / H)], points);
        Assert.Contains("<PolygonLabels name=\"label\"", File.ReadAllText(Path.Combine(temp.File("ls"), "labeling-config.xml")), StringComparison.Ordinal);
    }

    [Fact]
    public void Cvat_gets_coco_1_0_with_polygons_in_annotations_instances_default_json_and_its_zip()
    {
        using var temp = new TemporaryDirectory();
        var labels = Labels(temp);

        LabelExporter.Write(labels, ExportFormat.Cvat, temp.File("cvat"));

        var file = Path.Combine(temp.File("cvat"), "annotations", "instances_default.json");
        var root = JsonDocument.Parse(File.ReadAllBytes(file)).RootElement;
        foreach (var key in new[] { "licenses", "info", "categories", "images", "annotations" })
        {
            Assert.True(root.TryGetProperty(key, out _), key);
        }

        var dataset = CocoFiles.ReadDataset(file);
        Assert.Equal(labels.Dataset.Annotations.Count, dataset.Annotations.Count);
        foreach (var (exported, original) in dataset.Annotations.Zip(labels.Dataset.Annotations))
        {
            var polygons = Assert.IsType<PolygonSegmentation>(exported.Segmentation);
            Assert.All(polygons.Polygons, p => Assert.True(p.Length >= 6 && p.Length % 2 == 0));
            Assert.False(exported.IsCrowd);
            Assert.True(Iou(Rle.FromPolygons(polygons.Polygons, H, W), Mask(original)) > 0.9);
        }

        using var zip = ZipFile.OpenRead(Path.Combine(temp.File("cvat"), "annotations.zip"));
        Assert.Equal("annotations/instances_default.json", Assert.Single(zip.Entries).FullName);
    }

    [Fact]
    public void Yolo_labels_are_normalised_polygons_per_image_with_a_data_yaml_naming_the_classes()
    {
        using var temp = new TemporaryDirectory();
        var images = Directory.CreateDirectory(temp.File("images-in")).FullName;
        Directory.CreateDirectory(Path.Combine(images, "a"));
        File.WriteAllBytes(Path.Combine(images, "a", "one.png"), [1]);
        File.WriteAllBytes(Path.Combine(images, "two.jpg"), [2]);
        var labels = Labels(temp);

        LabelExporter.Write(labels, ExportFormat.Yolo, temp.File("yolo"), new ExportOptions { ImagesFolder = images });

        var yaml = File.ReadAllLines(Path.Combine(temp.File("yolo"), "data.yaml"));
        Assert.DoesNotContain(yaml, line => line.StartsWith("path:", StringComparison.Ordinal));
        Assert.Contains("train: images", yaml);
        Assert.Contains("  0: 'circle'", yaml);
        Assert.Contains("  1: 'o''square'", yaml);
        var lines = File.ReadAllLines(Path.Combine(temp.File("yolo"), "labels", "a", "one.txt"));
        Assert.Equal(2, lines.Length);
        Assert.Equal("", File.ReadAllText(Path.Combine(temp.File("yolo"), "labels", "two.txt")));
        Assert.Equal([2], File.ReadAllBytes(Path.Combine(temp.File("yolo"), "images", "two.jpg")));
        var masks = labels.Dataset.Annotations.Where(a => a.ImageId == 1).ToList();
        for (int i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split(' ');
            Assert.Equal(masks[i].CategoryId == 3 ? "0" : "1", fields[0]);
            var xy = fields.Skip(1).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.True(xy.Length >= 6 && xy.Length % 2 == 0);
            Assert.All(xy, v => Assert.InRange(v, 0, 1));
            var pixels = xy.Select((v, k) => k % 2 == 0 ? v * W : v * H).ToArray();
            Assert.True(Iou(Rle.FromPolygon(pixels, H, W), Mask(masks[i])) > 0.8);
        }
    }

    [Fact]
    public void Coco_polygons_keep_every_other_field_and_the_export_replaces_a_previous_one_whole()
    {
        using var temp = new TemporaryDirectory();
        var labels = Labels(temp);
        var target = temp.File("coco");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "stale.txt"), "old");

        LabelExporter.Write(labels, ExportFormat.Coco, target, new ExportOptions { Polygons = true });

        Assert.Equal([JobPaths.AnnotationsFile], Directory.GetFiles(target).Select(Path.GetFileName));
        var annotation = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(target, JobPaths.AnnotationsFile))).RootElement.GetProperty("annotations")[0];
        Assert.Equal(JsonValueKind.Array, annotation.GetProperty("segmentation").ValueKind);
        Assert.Equal(0.9, annotation.GetProperty("score").GetDouble());
        Assert.Equal(0.5, annotation.GetProperty("box_mask_iou").GetDouble());
        Assert.DoesNotContain(Directory.GetDirectories(temp.Path), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void A_folder_without_labels_is_named_in_the_error()
    {
        using var temp = new TemporaryDirectory();
        var error = Assert.Throws<FileNotFoundException>(() => LabelSet.Read(temp.Path));
        Assert.Contains(JobPaths.AnnotationsFile, error.Message, StringComparison.Ordinal);
    }

    /// <summary>An output folder as label writes it: two images (one with two labels, one with none) and summary.json.</summary>
    private static LabelSet Labels(TemporaryDirectory temp)
    {
        var folder = Directory.CreateDirectory(temp.File("out")).FullName;
        var square = Rect(5, 4, 12, 10);
        var blob = Rle.Merge([Rect(20, 10, 10, 12), Rect(24, 22, 3, 4)], intersect: false);
        var json = $$"""
            {"info":{"postprocess":"labels"},"images":[{"id":1,"width":{{W}},"height":{{H}},"file_name":"a/one.png"},{"id":2,"width":{{W}},"height":{{H}},"file_name":"two.jpg"}],
             "annotations":[
              {"id":1,"image_id":1,"category_id":7,"segmentation":{"size":[{{H}},{{W}}],"counts":"{{Rle.ToCompressedString(square)}}"},"area":120,"bbox":[5,4,12,10],"iscrowd":0,"score":0.9,"model_bbox":[4,4,12,10],"box_mask_iou":0.5},
              {"id":2,"image_id":1,"category_id":3,"segmentation":{"size":[{{H}},{{W}}],"counts":"{{Rle.ToCompressedString(blob)}}"},"area":{{blob.Area}},"bbox":[20,10,10,16],"iscrowd":0,"score":0.6}],
             "categories":[{"id":3,"name":"circle"},{"id":7,"name":"o'square"}]}
            """;
        File.WriteAllText(Path.Combine(folder, JobPaths.AnnotationsFile), json);
        File.WriteAllText(Path.Combine(folder, JobPaths.SummaryFile), """{"model": "/models/tiny.onnx", "model_version": "v1"}""");
        return LabelSet.Read(folder);
    }

    private static RleMask Mask(CocoAnnotation annotation)
    {
        var rle = Assert.IsType<RleSegmentation>(annotation.Segmentation);
        return Rle.FromCompressedString(rle.CompressedCounts!, rle.Height, rle.Width);
    }

    private static RleMask Rect(int x, int y, int width, int height) => Rle.FromBox(new BoundingBox(x, y, width, height), H, W);

    private static double Iou(RleMask a, RleMask b)
    {
        var iou = new double[1];
        Rle.Iou([a], [b], [false], iou);
        return iou[0];
    }

    private static byte[] RowMajorRgba(RleMask mask)
    {
        var columnMajor = new byte[mask.Height * mask.Width];
        Rle.Decode(mask, columnMajor);
        var rgba = new byte[4 * columnMajor.Length];
        for (int y = 0; y < mask.Height; y++)
        {
            for (int x = 0; x < mask.Width; x++)
            {
                rgba.AsSpan(4 * (y * mask.Width + x), 4).Fill(columnMajor[x * mask.Height + y] != 0 ? (byte)255 : (byte)0);
            }
        }

        return rgba;
    }

    /// <summary>thi.ng/rle-pack's <c>decode</c> (the decoder Label Studio's front end runs), step for step.</summary>
    private static byte[] RlePackDecode(byte[] source)
    {
        int bit = 0;
        int Read(int count)
        {
            int value = 0;
            for (int i = 0; i < count; i++, bit++)
            {
                value = (value << 1) | ((source[bit >> 3] >> (7 - (bit & 7))) & 1);
            }

            return value;
        }

        int num = Read(32), wordSize = Read(5) + 1;
        int[] sizes = [Read(4) + 1, Read(4) + 1, Read(4) + 1, Read(4) + 1];
        var output = new byte[num];
        for (int i = 0; i < num;)
        {
            int x = Read(1);
            int j = i + 1 + Read(sizes[Read(2)]);
            if (x == 1)
            {
                output.AsSpan(i, j - i).Fill((byte)Read(wordSize));
                i = j;
            }
            else
            {
                for (; i < j; i++)
                {
                    output[i] = (byte)Read(wordSize);
                }
            }
        }

        return output;
    }
}

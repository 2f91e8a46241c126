using System.Text;
using System.Text.Json;
using DiMaskDino.Coco.Masks;

namespace DiMaskDino.Coco.Tests;

/// <summary>The streaming COCO writer: the bytes label's finalizer wrote before it existed, odd names, empty sets, round trips.</summary>
public sealed class CocoDatasetWriterTests
{
    private static readonly KeyValuePair<string, string>[] LabelsInfo = [new("postprocess", "labels")];

    private static readonly CocoInstance Labeled = new(7, new BoundingBox(1, 2, 3.5, 4), 12, 0.875, RleSegmentation.Compressed(30, 40, "Q<>4`0\\"))
    {
        ModelBbox = new BoundingBox(0.5, 1.5, 4, 5),
        BoxMaskIou = 0.75,
        ClassMargin = new ClassMargin(0.9, 8, 0.1),
    };

    private static readonly CocoInstance Official = new(8, new BoundingBox(-1.25, 0, 10, 0.1), 0, 0.3, RleSegmentation.Compressed(30, 40, "0"));

    private static string Write(IReadOnlyList<KeyValuePair<string, string>>? info, IEnumerable<(CocoImage Image, CocoInstance[] Instances)> images, CocoCategory[] categories)
    {
        using var output = new MemoryStream();
        using var buffer = new MemoryStream();
        using (var writer = new CocoDatasetWriter(output, buffer, info))
        {
            foreach (var (image, instances) in images)
            {
                writer.Write(image, instances);
            }

            writer.Complete(categories);
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }

    [Fact]
    public void Writes_the_bytes_labels_annotations_json_had_before_the_writer_existed()
    {
        var text = Write(
            LabelsInfo,
            [
                (new CocoImage { Id = 3, Width = 40, Height = 30, FileName = "a/b.png" }, [Labeled, Official]),
                (new CocoImage { Id = 5, Width = 8, Height = 6, FileName = "c.jpg" }, []),
                (new CocoImage { Id = 4, Width = 40, Height = 30, FileName = "d.png" }, [Official]),
            ],
            [new CocoCategory { Id = 7, Name = "cat" }, new CocoCategory { Id = 8, Name = "dog" }]);

        // The finalizer's hand-written annotations.json for these instances (it made the same Utf8JsonWriter calls; HTML-sensitive characters escaped).
        const string Golden =
            "{\"info\":{\"postprocess\":\"labels\"},\"images\":[" +
            "{\"id\":3,\"width\":40,\"height\":30,\"file_name\":\"a/b.png\"}," +
            "{\"id\":5,\"width\":8,\"height\":6,\"file_name\":\"c.jpg\"}," +
            "{\"id\":4,\"width\":40,\"height\":30,\"file_name\":\"d.png\"}]," +
            "\"annotations\":[" +
            "{\"id\":1,\"image_id\":3,\"category_id\":7,\"segmentation\":{\"size\":[30,40],\"counts\":\"Q\\u003C\\u003E4\\u00600\\\\\"},\"area\":12," +
            "\"bbox\":[1,2,3.5,4],\"iscrowd\":0,\"score\":0.875,\"model_bbox\":[0.5,1.5,4,5],\"box_mask_iou\":0.75}," +
            "{\"id\":2,\"image_id\":3,\"category_id\":8,\"segmentation\":{\"size\":[30,40],\"counts\":\"0\"},\"area\":0," +
            "\"bbox\":[-1.25,0,10,0.1],\"iscrowd\":0,\"score\":0.3}," +
            "{\"id\":3,\"image_id\":4,\"category_id\":8,\"segmentation\":{\"size\":[30,40],\"counts\":\"0\"},\"area\":0," +
            "\"bbox\":[-1.25,0,10,0.1],\"iscrowd\":0,\"score\":0.3}]," +
            "\"categories\":[{\"id\":7,\"name\":\"cat\"},{\"id\":8,\"name\":\"dog\"}]}\n";
        Assert.Equal(Golden, text);
    }

    [Fact]
    public void What_it_writes_reads_back_as_the_same_images_instances_and_categories()
    {
        var mask = Rle.EncodeRowMajor([.. Enumerable.Range(0, 30 * 40).Select(i => (byte)(i % 7 == 0 ? 1 : 0))], 30, 40);
        var instance = new CocoInstance(7, new BoundingBox(0.1, 0.2, 30.3, 20.4), mask.Area, 1.0 / 3, RleSegmentation.Compressed(30, 40, Rle.ToCompressedString(mask)));
        var polygon = instance with { Segmentation = new PolygonSegmentation([[1, 1, 5, 1, 5, 5.5]]) };
        var text = Write(null, [(new CocoImage { Id = 9, Width = 40, Height = 30, FileName = "x.png" }, [instance, polygon])], [new CocoCategory { Id = 7, Name = "cat", Supercategory = "animal" }]);

        var dataset = CocoFiles.ReadDataset(new MemoryStream(Encoding.UTF8.GetBytes(text)), "written");

        var image = Assert.Single(dataset.Images);
        Assert.Equal((9L, 40, 30, "x.png"), (image.Id, image.Width, image.Height, image.FileName));
        Assert.Equal([(1L, 9L, 7), (2L, 9L, 7)], dataset.Annotations.Select(a => (a.Id, a.ImageId, a.CategoryId)));
        var rle = Assert.IsType<RleSegmentation>(dataset.Annotations[0].Segmentation);
        Assert.Equal(mask.Counts.ToArray(), Rle.FromCompressedString(rle.CompressedCounts!, rle.Height, rle.Width).Counts.ToArray());
        Assert.Equal([1, 1, 5, 1, 5, 5.5], Assert.Single(Assert.IsType<PolygonSegmentation>(dataset.Annotations[1].Segmentation).Polygons));
        Assert.All(dataset.Annotations, a => Assert.Equal((instance.Bbox, 1.0 / 3, (double)mask.Area, false), (a.Bbox!.Value, a.Score!.Value, a.Area!.Value, a.IsCrowd)));
        var category = Assert.Single(dataset.Categories);
        Assert.Equal((7, "cat", "animal"), (category.Id, category.Name, category.Supercategory));
    }

    [Theory]
    [InlineData("quote\"and\\backslash.png")]
    [InlineData("line\nbreak\tand\u0001control.png")]
    [InlineData("über/日本語/😀.png")]
    [InlineData("<script>&'+`.png")]
    [InlineData(" leading and trailing .png ")]
    public void Odd_file_names_are_escaped_and_read_back_unchanged(string name)
    {
        var text = Write(LabelsInfo, [(new CocoImage { Id = 1, Width = 4, Height = 4, FileName = name }, [])], []);

        using var document = JsonDocument.Parse(text);
        Assert.Equal(name, document.RootElement.GetProperty("images")[0].GetProperty("file_name").GetString());
        Assert.DoesNotContain('\n', text.TrimEnd('\n'));
        Assert.Equal(name, Assert.Single(CocoFiles.ReadDataset(new MemoryStream(Encoding.UTF8.GetBytes(text)), "written").Images).FileName);
    }

    [Fact]
    public void An_empty_set_is_a_valid_dataset_with_empty_arrays()
    {
        Assert.Equal("{\"info\":{\"postprocess\":\"labels\"},\"images\":[],\"annotations\":[],\"categories\":[]}\n", Write(LabelsInfo, [], []));
        var bare = Write(null, [], []);
        Assert.Equal("{\"images\":[],\"annotations\":[],\"categories\":[]}\n", bare);

        var dataset = CocoFiles.ReadDataset(new MemoryStream(Encoding.UTF8.GetBytes(bare)), "empty");
        Assert.Empty(dataset.Images);
        Assert.Empty(dataset.Annotations);
        Assert.Empty(dataset.Categories);
    }

    [Fact]
    public void Counts_images_and_annotations_and_refuses_writes_after_complete()
    {
        using var output = new MemoryStream();
        using var buffer = new MemoryStream();
        using var writer = new CocoDatasetWriter(output, buffer);
        writer.Write(new CocoImage { Id = 1, Width = 40, Height = 30 }, [Official, Official]);
        writer.Write(new CocoImage { Id = 2, Width = 40, Height = 30 }, [Labeled]);
        writer.Complete([]);

        Assert.Equal((2L, 3L), (writer.Images, writer.Annotations));
        Assert.Throws<ObjectDisposedException>(() => writer.Write(new CocoImage { Id = 3, Width = 1, Height = 1 }, []));
    }

    [Fact]
    public void A_scratch_stream_that_is_not_empty_and_seekable_is_refused()
    {
        using var output = new MemoryStream();
        using var used = new MemoryStream([1]);

        var e = Assert.Throws<ArgumentException>(() => new CocoDatasetWriter(output, used));
        Assert.Contains("annotations buffer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_instance_becomes_a_detection_of_its_image()
    {
        var detection = Labeled.ToDetection(42);

        Assert.Equal((42L, 7, Labeled.Bbox, 0.875), (detection.ImageId, detection.CategoryId, detection.Bbox!.Value, detection.Score));
        Assert.Same(Labeled.Segmentation, detection.Segmentation);
    }
}

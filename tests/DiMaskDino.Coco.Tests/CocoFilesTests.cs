using DiMaskDino.Coco;

namespace DiMaskDino.Coco.Tests;

/// <summary>Reading COCO files: tolerant of real-world variations, strict about errors, every error names file and path.</summary>
public sealed class CocoFilesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("coco-files-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string json, string name = "gt.json")
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, json);
        return path;
    }

    private const string Images = """ "images": [{"id": 1, "width": 20, "height": 10, "file_name": "a.jpg"}, {"id": 2, "width": 8, "height": 8}] """;
    private const string Categories = """ "categories": [{"id": 3, "name": "cat"}, {"id": 5, "name": "dog", "supercategory": "animal"}] """;

    private CocoFormatException ReadFails(string json)
    {
        var path = Write(json);
        var error = Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDataset(path));
        Assert.Equal(path, error.File);
        Assert.StartsWith(path + ": ", error.Message);
        return error;
    }

    [Fact]
    public void Reads_polygons_uncompressed_and_compressed_rle_and_flexible_flags()
    {
        var path = Write($$"""
            { {{Images}}, {{Categories}}, "annotations": [
              {"id": 10, "image_id": 1, "category_id": 3, "segmentation": [[1, 1, 5, 1, 5, 5]], "area": 8, "bbox": [1, 1, 4, 4], "iscrowd": 0},
              {"id": 11, "image_id": 1, "category_id": 5, "segmentation": {"size": [10, 20], "counts": [5, 3, 192]}, "iscrowd": 1, "ignore": true},
              {"id": 12, "image_id": 2, "category_id": 5, "segmentation": {"size": [8, 8], "counts": "52Q1"}, "iscrowd": false, "bbox": [0, 5, 1, 2]}
            ], "info": {"year": 2026}, "licenses": [] }
            """);

        var dataset = CocoFiles.ReadDataset(path);

        Assert.Equal(3, dataset.Annotations.Count);
        var polygon = Assert.IsType<PolygonSegmentation>(dataset.Annotations[0].Segmentation);
        Assert.Equal([1.0, 1, 5, 1, 5, 5], polygon.Polygons[0]);
        var uncompressed = Assert.IsType<RleSegmentation>(dataset.Annotations[1].Segmentation);
        Assert.Equal([5u, 3, 192], uncompressed.Counts);
        Assert.True(dataset.Annotations[1].IsCrowd);
        Assert.Null(dataset.Annotations[1].Area);
        var compressed = Assert.IsType<RleSegmentation>(dataset.Annotations[2].Segmentation);
        Assert.Equal("52Q1", compressed.CompressedCounts);
        Assert.Equal((8, 8), (compressed.Height, compressed.Width));
        Assert.False(dataset.Annotations[2].IsCrowd);
        Assert.Equal(new BoundingBox(0, 5, 1, 2), dataset.Annotations[2].Bbox);
        Assert.Equal("animal", dataset.Categories[1].Supercategory);
    }

    [Fact]
    public void Written_dataset_reads_back_equal()
    {
        var path = Write($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 10, "image_id": 1, "category_id": 3, "segmentation": {"size": [10, 20], "counts": [5, 3, 192]}, "area": 3, "bbox": [0, 5, 1, 3], "iscrowd": 1}] }""");
        var dataset = CocoFiles.ReadDataset(path);
        var copy = Path.Combine(_directory, "copy.json");
        using (var stream = File.Create(copy))
        {
            CocoFiles.WriteDataset(dataset, stream);
        }

        var again = CocoFiles.ReadDataset(copy);
        Assert.Equal(dataset.Images, again.Images);
        Assert.Equal(dataset.Categories, again.Categories);
        var (a, b) = (dataset.Annotations[0], again.Annotations[0]);
        Assert.Equal((a.Id, a.ImageId, a.CategoryId, a.Area, a.Bbox, a.IsCrowd), (b.Id, b.ImageId, b.CategoryId, b.Area, b.Bbox, b.IsCrowd));
        Assert.Equal(((RleSegmentation)a.Segmentation!).Counts, ((RleSegmentation)b.Segmentation!).Counts);
    }

    [Fact]
    public void Malformed_json_names_the_position() =>
        Assert.Contains("line 1", ReadFails("""{"images": [ """).Problem);

    [Fact]
    public void Wrong_type_names_the_json_path() =>
        Assert.Equal("$.images[0].width", ReadFails("""{"images": [{"id": 1, "width": "wide", "height": 10}], "categories": []}""").JsonPath);

    [Fact]
    public void Missing_required_property_is_reported() =>
        Assert.Contains("height", ReadFails("""{"images": [{"id": 1, "width": 3}], "categories": []}""").Problem);

    [Fact]
    public void Duplicate_image_id_is_rejected()
    {
        var error = ReadFails("""{"images": [{"id": 1, "width": 3, "height": 3}, {"id": 1, "width": 4, "height": 4}], "categories": []}""");
        Assert.Equal("$.images[1].id", error.JsonPath);
        Assert.Equal("duplicate image id 1", error.Problem);
    }

    [Fact]
    public void Duplicate_category_id_is_rejected() =>
        Assert.Equal("$.categories[1].id", ReadFails($$"""{ {{Images}}, "categories": [{"id": 3}, {"id": 3}] }""").JsonPath);

    [Fact]
    public void Duplicate_annotation_id_is_rejected() =>
        Assert.Equal("$.annotations[1].id", ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [0,0,1,1]}, {"id": 1, "image_id": 2, "category_id": 3, "bbox": [0,0,1,1]}] }""").JsonPath);

    [Fact]
    public void Annotation_on_unknown_image_is_rejected()
    {
        var error = ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 9, "category_id": 3, "bbox": [0,0,1,1]}] }""");
        Assert.Equal("$.annotations[0].image_id", error.JsonPath);
        Assert.Equal("annotation 7 refers to image 9, which is not in \"images\"", error.Problem);
    }

    [Fact]
    public void Annotation_of_unknown_category_is_rejected() =>
        Assert.Equal("$.annotations[0].category_id", ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 4, "bbox": [0,0,1,1]}] }""").JsonPath);

    [Fact]
    public void Rle_whose_runs_do_not_cover_the_image_is_rejected() =>
        Assert.Contains("add up to 7 pixels", ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "segmentation": {"size": [10, 20], "counts": [4, 3]} }] }""").Problem);

    [Fact]
    public void Polygon_with_odd_coordinate_count_is_rejected() =>
        Assert.Equal("$.annotations[0].segmentation[0]", ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "segmentation": [[1, 2, 3, 4, 5, 6, 7]]}] }""").JsonPath);

    [Fact]
    public void Box_with_three_numbers_is_rejected() =>
        Assert.Contains("exactly 4 numbers", ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 3]}] }""").Problem);

    [Fact]
    public void Box_with_a_width_beyond_double_range_is_rejected()
    {
        var error = ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "bbox": [1, 2, 1e400, 3]}] }""");
        Assert.Equal("$.annotations[0].bbox", error.JsonPath);
        Assert.Contains("finite numbers, found 1e400", error.Problem);
    }

    [Theory]
    [InlineData("images")]
    [InlineData("categories")]
    public void A_null_list_is_rejected_naming_it(string list)
    {
        var json = $$"""{ {{Images}}, {{Categories}}, "annotations": [] }""".Replace($"\"{list}\": [", $"\"{list}\": null, \"x{list}\": [", StringComparison.Ordinal);

        var error = ReadFails(json);

        Assert.Equal($"$.{list}", error.JsonPath);
        Assert.Contains("found null", error.Problem);
    }

    [Theory]
    [InlineData(""" "annotations": null """)]
    [InlineData(""" "info": {} """)]
    public void Null_or_missing_annotations_read_as_none(string annotations) =>
        Assert.Empty(CocoFiles.ReadDataset(Write($$"""{ {{Images}}, {{Categories}}, {{annotations}} }""", "no-annotations.json")).Annotations);

    [Fact]
    public void Missing_images_is_rejected_naming_it() =>
        Assert.Contains("images", ReadFails($$"""{ {{Categories}}, "annotations": [] }""").Problem);

    [Fact]
    public void Non_positive_image_size_is_rejected() =>
        Assert.Contains("width and height must be positive", ReadFails("""{"images": [{"id": 1, "width": 0, "height": 3}], "categories": []}""").Problem);

    [Fact]
    public void Iscrowd_other_than_0_1_true_false_is_rejected() =>
        Assert.Equal("$.annotations[0].iscrowd", ReadFails($$"""{ {{Images}}, {{Categories}}, "annotations": [{"id": 7, "image_id": 1, "category_id": 3, "bbox": [0,0,1,1], "iscrowd": 2}] }""").JsonPath);

    [Fact]
    public void Missing_file_is_a_format_error_naming_the_file()
    {
        var path = Path.Combine(_directory, "absent.json");
        var error = Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDataset(path));
        Assert.Contains("cannot read the file", error.Problem);
    }

    [Fact]
    public void Detections_need_a_score_and_a_box_or_mask()
    {
        var noScore = Write("""[{"image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]}]""", "dt1.json");
        Assert.Contains("score", Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(noScore)).Problem);
        var nothing = Write("""[{"image_id": 1, "category_id": 3, "score": 0.5}]""", "dt2.json");
        Assert.Equal("$[0]", Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(nothing)).JsonPath);
    }

    [Fact]
    public void Results_file_must_be_an_array() =>
        Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(Write("""{"image_id": 1}""", "dt.json")));

    [Fact]
    public void Empty_bbox_in_results_reads_as_no_box()
    {
        var path = Write("""[{"image_id": 1, "category_id": 3, "bbox": [], "score": 0.5, "segmentation": {"size": [2, 2], "counts": [1, 3]}}]""", "dt.json");
        Assert.Null(CocoFiles.ReadDetections(path)[0].Bbox);
    }

    [Fact]
    public void Detection_property_errors_name_the_property_path()
    {
        var path = Write("""[{"image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1], "score": 0.5}, {"image_id": "one", "category_id": 3, "score": 0.5}]""", "dt.json");
        var error = Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(path));
        Assert.Equal("$[1].image_id", error.JsonPath);
        Assert.StartsWith("expected an integer, found the string \"one\"", error.Problem);

        var badBox = Write("""[{"image_id": 1, "category_id": 3, "bbox": [0, 0, 1], "score": 0.5}]""", "dt2.json");
        Assert.Equal("$[0].bbox", Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(badBox)).JsonPath);

        var missing = Write("""[{"image_id": 1, "bbox": [0, 0, 1, 1], "score": 0.5}]""", "dt3.json");
        Assert.Equal("$[0].category_id", Assert.Throws<CocoFormatException>(() => CocoFiles.ReadDetections(missing)).JsonPath);
    }

    [Fact]
    public void Detections_round_trip_through_write_and_read()
    {
        CocoDetection[] detections =
        [
            new() { ImageId = 7, CategoryId = 2, Score = 0.25, Bbox = new BoundingBox(1.5, 2, 3, 4.25) },
            new() { ImageId = 8, CategoryId = 3, Score = 0.125, Segmentation = RleSegmentation.Compressed(4, 5, "0e0") },
            new() { ImageId = 9, CategoryId = 1, Score = 1, Bbox = new BoundingBox(0, 0, 1, 1), Segmentation = new PolygonSegmentation([[0, 0, 1, 0, 1, 1]]) },
        ];
        var path = Path.Combine(_directory, "written.json");
        using (var stream = File.Create(path))
        {
            CocoFiles.WriteDetections(detections, stream);
        }

        var read = CocoFiles.ReadDetections(path);
        Assert.Equal(3, read.Count);
        Assert.Equal(detections[0], read[0]);
        Assert.Equal("0e0", ((RleSegmentation)read[1].Segmentation!).CompressedCounts);
        Assert.Null(read[1].Bbox);
        Assert.Equal([0.0, 0, 1, 0, 1, 1], ((PolygonSegmentation)read[2].Segmentation!).Polygons[0]);
    }
}

using DiMaskDino.Coco;
using DiMaskDino.Model.Data;

namespace DiMaskDino.Model.Tests.Data;

public sealed class CocoInstanceDatasetTests
{
    [Fact]
    public void Category_ids_map_to_contiguous_indices_in_ascending_id_order()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);

        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);

        Assert.Equal(2, dataset.Categories.Count);
        Assert.Equal(0, dataset.Categories.IndexOf(3));
        Assert.Equal(1, dataset.Categories.IndexOf(7));
        Assert.Equal(7, dataset.Categories.IdOf(1));
        Assert.Equal("small", dataset.Categories.NameOf(0));
    }

    [Fact]
    public void Load_decodes_rgb_and_rasterises_polygon_and_rle_masks_without_crowd()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);
        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);

        var sample = dataset.Load(0);

        Assert.Equal(1, sample.ImageId);
        Assert.Equal((30, 40), (sample.Image.Height, sample.Image.Width));
        Assert.Equal((17f, 9f, 200f), (sample.Image[0, 9, 17], sample.Image[1, 9, 17], sample.Image[2, 9, 17]));
        Assert.Equal([1, 0], sample.Labels); // category 7 → 1, category 3 → 0; the crowd annotation is gone
        // The polygon covers pixel centres x in [10, 20), y in [5, 15): a 10x10 block.
        Assert.Equal(new PixelBox(10, 5, 20, 15), sample.Boxes[0]);
        Assert.Equal(100, Sum(sample.Mask(0)));
        Assert.Equal(1, sample.Mask(0)[5 * 40 + 10]);
        // The RLE is column 5, rows 10..19.
        Assert.Equal(new PixelBox(5, 10, 6, 20), sample.Boxes[1]);
        Assert.Equal(10, Sum(sample.Mask(1)));
        Assert.Equal(1, sample.Mask(1)[19 * 40 + 5]);
        Assert.Equal(0, sample.Mask(1)[20 * 40 + 5]);
    }

    [Fact]
    public void Images_with_only_crowd_annotations_are_not_training_images()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);

        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);

        Assert.Equal(2, dataset.Images.Count);
        Assert.Equal([0], dataset.IndicesWithInstances);
        Assert.Equal(0, dataset.Load(1).Count);
    }

    [Fact]
    public void Missing_image_file_is_reported_with_its_path_when_opening()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder, images => File.Delete(Path.Combine(images, "b.png")));

        var error = Assert.Throws<FileNotFoundException>(() => CocoInstanceDataset.OpenFolder(folder.Path));

        Assert.Contains(folder.File("images", "b.png"), error.Message);
        Assert.Contains("image id 2", error.Message);
    }

    [Fact]
    public void Image_size_different_from_the_json_names_the_file_and_both_sizes()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder, images => TestDatasets.WriteGradientPng(Path.Combine(images, "a.png"), 41, 30));
        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);

        var error = Assert.Throws<InvalidDataException>(() => dataset.Load(0));

        Assert.Contains(folder.File("images", "a.png"), error.Message);
        Assert.Contains("41x30", error.Message);
        Assert.Contains("40x30", error.Message);
    }

    [Fact]
    public void Undecodable_image_names_the_file()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder, images => File.WriteAllText(Path.Combine(images, "a.png"), "not a png"));
        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);

        var error = Assert.Throws<InvalidDataException>(() => dataset.Load(0));

        Assert.StartsWith(folder.File("images", "a.png") + ": cannot decode the image", error.Message);
    }

    [Fact]
    public void Malformed_json_names_the_annotations_file()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);
        File.WriteAllText(folder.File("annotations.json"), """{"images": [{"id": 1, "width": "wide", "height": 3}], "categories": []}""");

        var error = Assert.Throws<CocoFormatException>(() => CocoInstanceDataset.OpenFolder(folder.Path));

        Assert.StartsWith(folder.File("annotations.json") + ": $.images[0].width", error.Message);
    }

    [Fact]
    public void Dataset_without_images_is_rejected()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);
        File.WriteAllText(folder.File("annotations.json"), """{"images": [], "categories": [{"id": 1, "name": "a"}], "annotations": []}""");

        var error = Assert.Throws<InvalidDataException>(() => CocoInstanceDataset.OpenFolder(folder.Path));

        Assert.Equal(folder.File("annotations.json") + ": the dataset has no images", error.Message);
    }

    [Fact]
    public void Box_only_annotation_is_rejected_because_training_needs_masks()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);
        File.WriteAllText(folder.File("annotations.json"), """
            {"images": [{"id": 1, "width": 40, "height": 30, "file_name": "a.png"}], "categories": [{"id": 1, "name": "a"}],
             "annotations": [{"id": 9, "image_id": 1, "category_id": 1, "bbox": [1, 1, 4, 4], "area": 16, "iscrowd": 0}]}
            """);

        var error = Assert.Throws<CocoFormatException>(() => CocoInstanceDataset.OpenFolder(folder.Path));

        Assert.Contains("annotation 9 has no segmentation", error.Message);
    }

    [Fact]
    public void Degenerate_polygons_are_skipped_and_counted()
    {
        using var folder = new TemporaryFolder();
        TestDatasets.WriteBasic(folder);
        File.WriteAllText(folder.File("annotations.json"), """
            {"images": [{"id": 1, "width": 40, "height": 30, "file_name": "a.png"}], "categories": [{"id": 1, "name": "a"}],
             "annotations": [{"id": 9, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 4, 4]], "iscrowd": 0},
                             {"id": 10, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 4, 4], [0, 0, 8, 0, 8, 8, 0, 8]], "iscrowd": 0}]}
            """);

        var dataset = CocoInstanceDataset.OpenFolder(folder.Path);

        Assert.Equal(1, dataset.SkippedAnnotations);
        Assert.Equal(1, dataset.InstanceCount(0));
        Assert.Equal(new PixelBox(0, 0, 8, 8), dataset.Load(0).Boxes[0]);
    }

    private static int Sum(ReadOnlySpan<byte> mask)
    {
        var sum = 0;
        foreach (var b in mask)
        {
            sum += b;
        }

        return sum;
    }
}

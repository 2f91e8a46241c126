using DiMaskDino.TestSupport;
using DiMaskDino.Coco;
using DiMaskDino.Coco.Masks;
using DiMaskDino.Training.Synthetic;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DiMaskDino.Training.Tests;

public sealed class SyntheticDatasetTests
{
    private static SyntheticDatasetSummary Write(string folder, int count, ulong seed, int size = 96, double? split = null, int threads = -1) =>
        SyntheticDatasetWriter.Write(
            new SyntheticDatasetOptions { Count = count, Seed = seed, Size = size, ValidationFraction = split, MaxDegreeOfParallelism = threads }, folder);

    private static byte[] Mask(CocoAnnotation annotation, int size)
    {
        var rle = (RleSegmentation)annotation.Segmentation!;
        var bits = new byte[size * size];
        Rle.Decode(Rle.FromCompressedString(rle.CompressedCounts!, size, size), bits); // column-major
        return bits;
    }

    [Fact]
    public void Same_seed_gives_byte_identical_files_with_any_thread_count_and_another_seed_differs()
    {
        using var a = new TemporaryDirectory();
        using var b = new TemporaryDirectory();
        using var c = new TemporaryDirectory();
        Write(a.Path, 8, seed: 5, threads: 1);
        Write(b.Path, 8, seed: 5, threads: 2);
        Write(c.Path, 8, seed: 6);

        Assert.Equal(File.ReadAllBytes(a.File("annotations.json")), File.ReadAllBytes(b.File("annotations.json")));
        for (var i = 0; i < 8; i++)
        {
            var name = SyntheticDatasetWriter.FileName(i);
            Assert.Equal(File.ReadAllBytes(a.File("images", name)), File.ReadAllBytes(b.File("images", name)));
            Assert.NotEqual(File.ReadAllBytes(a.File("images", name)), File.ReadAllBytes(c.File("images", name)));
        }

        Assert.NotEqual(File.ReadAllBytes(a.File("annotations.json")), File.ReadAllBytes(c.File("annotations.json")));
    }

    [Fact]
    public void Every_mask_pixel_is_painted_in_its_objects_colour_and_masks_do_not_overlap()
    {
        using var folder = new TemporaryDirectory();
        const int size = 128;
        Write(folder.Path, 6, seed: 11, size);
        var dataset = CocoFiles.ReadDataset(folder.File("annotations.json"));

        foreach (var image in dataset.Images)
        {
            using var png = Image.Load<Rgb24>(folder.File("images", image.FileName));
            var scene = SyntheticDatasetWriter.RenderImage(11, (int)image.Id - 1, size);
            var annotations = dataset.Annotations.Where(a => a.ImageId == image.Id).ToList();
            Assert.Equal(scene.Objects.Count, annotations.Count);
            var covered = new int[size * size];
            for (var k = 0; k < annotations.Count; k++)
            {
                var shape = scene.Objects[k];
                Assert.Equal((int)shape.Kind, annotations[k].CategoryId);
                var mask = Mask(annotations[k], size);
                for (var x = 0; x < size; x++)
                {
                    for (var y = 0; y < size; y++)
                    {
                        if (mask[x * size + y] == 0)
                        {
                            continue;
                        }

                        covered[y * size + x]++;
                        Assert.Equal(new Rgb24(shape.R, shape.G, shape.B), png[x, y]);
                        // The pixel belongs to this object's shape and to no later (higher) one.
                        Assert.True(shape.ContainsPixel(x, y));
                        Assert.DoesNotContain(scene.Objects.Skip(k + 1), later => later.ContainsPixel(x, y));
                    }
                }
            }

            Assert.All(covered, n => Assert.True(n <= 1));
            // Conversely, every pixel inside the topmost shape is in its mask.
            var top = scene.Objects[^1];
            var topMask = Mask(annotations[^1], size);
            for (var x = 0; x < size; x++)
            {
                for (var y = 0; y < size; y++)
                {
                    Assert.Equal(top.ContainsPixel(x, y) ? 1 : 0, topMask[x * size + y]);
                }
            }
        }
    }

    [Fact]
    public void Bbox_and_area_come_from_the_rle_and_tiny_visible_parts_are_dropped()
    {
        using var folder = new TemporaryDirectory();
        var summary = Write(folder.Path, 30, seed: 2, size: 96);
        var dataset = CocoFiles.ReadDataset(folder.File("annotations.json"));

        foreach (var annotation in dataset.Annotations)
        {
            var rle = (RleSegmentation)annotation.Segmentation!;
            var mask = Rle.FromCompressedString(rle.CompressedCounts!, 96, 96);
            Assert.Equal(mask.Area, annotation.Area);
            Assert.Equal(mask.Bounds, annotation.Bbox);
            Assert.True(mask.Area >= 16);
            Assert.False(annotation.IsCrowd);
        }

        Assert.Equal(dataset.Annotations.Count, summary.Annotations);
        Assert.True(summary.DroppedObjects > 0, "30 images should include at least one nearly hidden object");
    }

    [Fact]
    public void Shapes_of_all_six_classes_appear_with_occlusion_border_cuts_and_ring_holes()
    {
        const int size = 128;
        var kinds = new HashSet<ShapeKind>();
        int occluded = 0, cut = 0, ringsWithHole = 0, objectsPerImageMax = 0;
        for (var i = 0; i < 50; i++)
        {
            var scene = SyntheticDatasetWriter.RenderImage(9, i, size);
            objectsPerImageMax = Math.Max(objectsPerImageMax, scene.Objects.Count);
            Assert.InRange(scene.Objects.Count, 1, 8);
            for (var k = 0; k < scene.Objects.Count; k++)
            {
                var shape = scene.Objects[k];
                kinds.Add(shape.Kind);
                long alone = 0;
                for (var y = 0; y < size; y++)
                {
                    for (var x = 0; x < size; x++)
                    {
                        alone += shape.ContainsPixel(x, y) ? 1 : 0;
                    }
                }

                var visible = scene.Masks[k].Area;
                Assert.True(visible <= alone);
                occluded += visible < alone ? 1 : 0;
                var box = scene.Masks[k].Bounds;
                var extendsOutside = shape.CenterX - shape.Radius < 0 || shape.CenterY - shape.Radius < 0
                    || shape.CenterX + shape.Radius > size || shape.CenterY + shape.Radius > size;
                cut += extendsOutside && (box.X == 0 || box.Y == 0 || box.Right == size || box.Bottom == size) && shape.Kind == ShapeKind.Circle ? 1 : 0;
                if (shape.Kind == ShapeKind.Ring && shape.Radius >= 8 && !shape.ContainsPixel((int)shape.CenterX, (int)shape.CenterY)
                    && shape.CenterX is > 0 and < size && shape.CenterY is > 0 and < size)
                {
                    // The centre lies inside the ring's outline but is not in its mask.
                    var mask = new byte[size * size];
                    Rle.Decode(scene.Masks[k], mask);
                    int cx = (int)shape.CenterX, cy = (int)shape.CenterY;
                    Assert.Equal(0, mask[cx * size + cy]);
                    ringsWithHole++;
                }
            }
        }

        Assert.Equal(6, kinds.Count);
        Assert.True(occluded > 0, "some object should be partly hidden by a later one");
        Assert.True(cut > 0, "some circle should be cut by the image border");
        Assert.True(ringsWithHole > 0, "some ring should show its hole");
        Assert.True(objectsPerImageMax >= 6);
    }

    [Fact]
    public void Split_keeps_the_images_of_the_unsplit_dataset()
    {
        using var whole = new TemporaryDirectory();
        using var split = new TemporaryDirectory();
        Write(whole.Path, 10, seed: 4, size: 64);
        var summary = Write(split.Path, 10, seed: 4, size: 64, split: 0.25);

        Assert.Equal([("train", 7), ("val", 3)], summary.Subsets.Select(s => (s.Name, s.Images)));
        for (var i = 0; i < 10; i++)
        {
            var subset = i < 7 ? "train" : "val";
            var name = SyntheticDatasetWriter.FileName(i);
            Assert.Equal(File.ReadAllBytes(whole.File("images", name)), File.ReadAllBytes(split.File(subset, "images", name)));
        }

        var all = CocoFiles.ReadDataset(whole.File("annotations.json"));
        var val = CocoFiles.ReadDataset(split.File("val", "annotations.json"));
        Assert.Equal(
            all.Annotations.Where(a => a.ImageId > 7).Select(a => (a.ImageId, a.CategoryId, a.Area)),
            val.Annotations.Select(a => (a.ImageId, a.CategoryId, a.Area)));
    }

    [Fact]
    public void Exact_trig_matches_the_runtime_to_1e_12()
    {
        for (var x = -20.0; x < 20.0; x += 0.0137)
        {
            Assert.True(Math.Abs(Math.Sin(x) - ExactTrig.Sin(x)) < 1e-12, $"sin({x})");
            Assert.True(Math.Abs(Math.Cos(x) - ExactTrig.Cos(x)) < 1e-12, $"cos({x})");
        }
    }
}

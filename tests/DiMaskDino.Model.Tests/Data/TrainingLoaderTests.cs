using DiMaskDino.Model.Data;
using DiMaskDino.Model.Data.Augmentation;

namespace DiMaskDino.Model.Tests.Data;

public sealed class TrainingLoaderTests
{
    private static string WriteSquares(TemporaryFolder folder, int images)
    {
        var entries = new List<string>();
        var annotations = new List<string>();
        for (var i = 0; i < images; i++)
        {
            TestDatasets.WriteGradientPng(folder.File("images", $"{i}.png"), 48, 40);
            entries.Add($$"""{"id": {{i + 1}}, "width": 48, "height": 40, "file_name": "{{i}}.png"}""");
            var x = 4 + 3 * i;
            annotations.Add($$"""{"id": {{i + 1}}, "image_id": {{i + 1}}, "category_id": {{1 + i % 2}}, "segmentation": [[{{x}}, 8, {{x + 20}}, 8, {{x + 20}}, 30, {{x}}, 30]], "iscrowd": 0}""");
        }

        var json = $$"""{"images": [{{string.Join(",", entries)}}], "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}], "annotations": [{{string.Join(",", annotations)}}]}""";
        File.WriteAllText(folder.File("annotations.json"), json);
        return folder.Path;
    }

    private static readonly LargeScaleJitter Augmentation = new(LsjOptions.Tiny with { CanvasSize = 64 });

    [Fact]
    public void Stream_is_the_same_for_a_seed_whatever_the_worker_count()
    {
        using var folder = new TemporaryFolder();
        var dataset = CocoInstanceDataset.OpenFolder(WriteSquares(folder, 5));

        List<InstanceSample> Take(int workers, ulong seed)
        {
            using var loader = new TrainingLoader(dataset, Augmentation, new TrainingLoaderOptions { Seed = seed, Workers = workers, PrefetchPerWorker = 2 });
            return [.. Enumerable.Range(0, 12).Select(_ => loader.Next())];
        }

        var one = Take(1, 42);
        var two = Take(2, 42);
        var other = Take(2, 43);

        Assert.Equal(one.Select(s => s.ImageId), two.Select(s => s.ImageId));
        for (var i = 0; i < one.Count; i++)
        {
            Assert.Equal(one[i].Image.Pixels, two[i].Image.Pixels);
            Assert.Equal(one[i].Masks, two[i].Masks);
        }

        Assert.NotEqual(one.Select(s => s.ImageId), other.Select(s => s.ImageId));
        // Every epoch of 5 visits each image once.
        Assert.Equal([1L, 2, 3, 4, 5], one.Take(5).Select(s => s.ImageId).Order());
        Assert.Equal([1L, 2, 3, 4, 5], one.Skip(5).Take(5).Select(s => s.ImageId).Order());
        Assert.All(one, s => Assert.Equal((64, 64), (s.Image.Height, s.Image.Width)));
    }

    [Fact]
    public void A_worker_error_reaches_the_consumer_with_its_type_and_message()
    {
        using var folder = new TemporaryFolder();
        var dataset = CocoInstanceDataset.OpenFolder(WriteSquares(folder, 3));
        File.WriteAllText(folder.File("images", "1.png"), "broken");

        using var loader = new TrainingLoader(dataset, Augmentation, new TrainingLoaderOptions { Seed = 1, Shuffle = false });

        Assert.NotNull(loader.Next());
        var error = Assert.Throws<InvalidDataException>(() => loader.Next());
        Assert.Contains(folder.File("images", "1.png"), error.Message);
    }

    [Fact]
    public void Eval_loader_letterboxes_every_image_in_file_order()
    {
        using var folder = new TemporaryFolder();
        var dataset = CocoInstanceDataset.OpenFolder(WriteSquares(folder, 4));

        var samples = EvalLoader.Read(dataset, new Letterbox(64, 64, PadColor.Gray128)).ToList();

        Assert.Equal([1L, 2, 3, 4], samples.Select(s => s.ImageId));
        Assert.All(samples, s => Assert.Equal(new LetterboxInfo(40, 48, 53, 64, 64, 64), s.Letterbox));
    }

    [Fact]
    public void Collated_loader_batch_has_targets_consistent_with_masks()
    {
        using var folder = new TemporaryFolder();
        var dataset = CocoInstanceDataset.OpenFolder(WriteSquares(folder, 4));
        using var loader = new TrainingLoader(dataset, Augmentation, new TrainingLoaderOptions { Seed = 5 });

        using var scope = TorchSharp.torch.NewDisposeScope();
        using var batch = Collate.Training(loader.NextBatch(3), Augmentation.Options.Pad);

        Assert.Equal(new long[] { 3, 3, 64, 64 }, batch.Images.shape);
        foreach (var target in batch.Targets)
        {
            // The box (cx, cy, w, h)·64 is the tight box of the mask.
            var mask = target.Masks[0];
            var rows = mask.sum(dim: 1).nonzero();
            var cols = mask.sum(dim: 0).nonzero();
            var box = target.Boxes[0].data<float>().ToArray().Select(v => v * 64).ToArray();
            Assert.Equal(cols.min().item<long>(), box[0] - box[2] / 2, 3);
            Assert.Equal(cols.max().item<long>() + 1, box[0] + box[2] / 2, 3);
            Assert.Equal(rows.min().item<long>(), box[1] - box[3] / 2, 3);
            Assert.Equal(rows.max().item<long>() + 1, box[1] + box[3] / 2, 3);
        }
    }
}

using DiMaskDino.TestSupport;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Telemetry;
using DiMaskDino.Inference.Tests.Images;

namespace DiMaskDino.Inference.Tests.Batching;

/// <summary>BatchPredictor on the real ORT and a real tiny exported model (random weights: many instances per image).</summary>
public sealed class BatchPredictorTests(PredictorFixture fixture) : IClassFixture<PredictorFixture>
{
    private static readonly (int Width, int Height)[] Sizes = [(120, 80), (64, 96), (96, 96), (200, 150), (50, 130), (33, 17), (160, 90)];

    private BatchPredictor Predictor(int batchSize, long maxPixels = DiMaskDino.Inference.Images.ImageLoader.DefaultMaxPixels, double scoreThreshold = 0) => new(
        fixture.Session,
        new BatchPredictorOptions
        {
            BatchSize = batchSize,
            DecodeParallelism = 2,
            MaxPixels = maxPixels,
            PostProcessing = new InstancePostProcessorOptions { ScoreThreshold = scoreThreshold },
        });

    private static ImageInput<string>[] GoodImages(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new ImageInput<string>($"img-{i}", PredictorFixture.Image(Sizes[i % Sizes.Length].Width, Sizes[i % Sizes.Length].Height, seed: i)))];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]   // 7 images: batches of 3, 3 and a partial 1
    [InlineData(8)]   // one partial batch
    public async Task Batched_outcomes_equal_one_at_a_time_predictions(int batchSize)
    {
        var inputs = GoodImages(7);
        var predictor = Predictor(batchSize);

        var outcomes = await predictor.PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        Assert.Equal(inputs.Select(i => i.Tag), outcomes.Select(o => o.Tag));
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertSame(fixture.Single(inputs[i].Tag, inputs[i].Bytes.ToArray()), outcomes[i]);
        }

        Assert.All(outcomes, o => Assert.NotEmpty(o.Instances));
        Assert.Equal(0, predictor.Resources.Held);
    }

    [Fact]
    public async Task Bad_images_fail_with_their_reason_in_input_order_among_good_ones()
    {
        var good = GoodImages(4);
        var large = PredictorFixture.Image(300, 200, seed: 40);  // 60 000 pixels, over the limit set below
        ImageInput<string>[] inputs =
        [
            good[0],
            new("empty.png", Array.Empty<byte>()),
            good[1],
            new("text.jpg", "not an image at all"u8.ToArray()),
            new("header-only.png", TestImages.PngHeaderOnly(64, 64)),
            good[2],
            new("large.png", large),
            new("cut.jpg", PredictorFixture.Image(64, 64, seed: 3).AsSpan(0, 300).ToArray()),
            good[3],
        ];
        var predictor = Predictor(batchSize: 2, maxPixels: 40_000);

        var outcomes = await predictor.PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        Assert.Equal(inputs.Select(i => i.Tag), outcomes.Select(o => o.Tag));
        Assert.Equal([true, false, true, false, false, true, false, false, true], outcomes.Select(o => o.Succeeded));
        Assert.Contains("empty", outcomes[1].FailureReason, StringComparison.Ordinal);
        Assert.Contains("not an image", outcomes[3].FailureReason, StringComparison.Ordinal);
        Assert.Contains("truncated", outcomes[4].FailureReason, StringComparison.Ordinal);
        Assert.Contains("60,000 pixels, over the limit of 40,000", outcomes[6].FailureReason, StringComparison.Ordinal);
        Assert.Contains("truncated", outcomes[7].FailureReason, StringComparison.Ordinal);
        foreach (var failed in outcomes.Where(o => !o.Succeeded))
        {
            Assert.Equal((0, 0), (failed.Width, failed.Height));
            Assert.Empty(failed.Instances);
        }

        foreach (var (input, outcome) in inputs.Zip(outcomes).Where(p => p.Second.Succeeded))
        {
            AssertSame(fixture.Single(input.Tag, input.Bytes.ToArray()), outcome);
        }

        Assert.Equal(0, predictor.Resources.Held);
    }

    [Fact]
    public async Task A_batch_of_only_bad_images_yields_failures_without_a_run()
    {
        ImageInput<string>[] inputs = [new("a", Array.Empty<byte>()), new("b", "xx"u8.ToArray())];

        var outcomes = await Predictor(batchSize: 2).PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        Assert.Equal(["a", "b"], outcomes.Select(o => o.Tag));
        Assert.All(outcomes, o => Assert.False(o.Succeeded));
    }

    /// <summary>A manifest-like entry as the pipeline tags its inputs: the tag comes back as the same object, failures included.</summary>
    private sealed record Entry(int Index, string ETag);

    [Fact]
    public async Task Each_outcome_carries_its_inputs_tag_object_through_failures_and_batches()
    {
        var good = GoodImages(3);
        Entry[] tags = [new(0, "e0"), new(1, "e1"), new(2, "e2"), new(3, "e3"), new(4, "e4")];
        ImageInput<Entry>[] inputs =
        [
            new(tags[0], good[0].Bytes),
            new(tags[1], "not an image"u8.ToArray()),
            new(tags[2], good[1].Bytes),
            new(tags[3], Array.Empty<byte>()),
            new(tags[4], good[2].Bytes),
        ];

        var outcomes = await Predictor(batchSize: 2).PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        Assert.Equal(tags.Length, outcomes.Count);
        for (var i = 0; i < tags.Length; i++)
        {
            Assert.Same(tags[i], outcomes[i].Tag);
        }

        Assert.Equal([true, false, true, false, true], outcomes.Select(o => o.Succeeded));
    }

    [Fact]
    public async Task Empty_input_yields_nothing()
    {
        var inputs = new CountingInputs([]);

        var outcomes = await Predictor(batchSize: 4).PredictAsync(inputs).ToListAsync();

        Assert.Empty(outcomes);
        Assert.True(inputs.Disposed);
    }

    [Fact]
    public async Task The_score_threshold_drops_low_scoring_instances()
    {
        var inputs = GoodImages(2);

        var all = await Predictor(batchSize: 2).PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();
        // The median score of the first image: the random-weight model's scores vary between exports (TorchSharp
        // leaves some weights uninitialised), so a fixed threshold might keep everything.
        var scores = all[0].Instances.Select(x => x.Score).Order().ToList();
        double threshold = scores[scores.Count / 2];
        var kept = await Predictor(batchSize: 2, scoreThreshold: threshold).PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        for (int i = 0; i < inputs.Length; i++)
        {
            var expected = all[i].Instances.Where(x => x.Score >= threshold).ToList();
            Assert.Equal(expected.Select(x => (x.Query, x.ClassIndex, x.Score)), kept[i].Instances.Select(x => (x.Query, x.ClassIndex, x.Score)));
        }

        Assert.InRange(kept[0].Instances.Count, 1, all[0].Instances.Count - 1);
    }

    [Fact]
    public async Task Inputs_are_pulled_only_a_few_batches_ahead_of_the_consumer()
    {
        const int batchSize = 2, count = 120;
        var bytes = PredictorFixture.Image(40, 30, seed: 2);
        var inputs = new CountingInputs(Enumerable.Range(0, count).Select(i => new ImageInput<string>($"k{i}", bytes)));
        var predictor = Predictor(batchSize);
        int? pulledAtFirst = null;
        int yielded = 0, mostAhead = 0;

        await foreach (var outcome in predictor.PredictAsync(inputs))
        {
            Assert.Equal($"k{yielded}", outcome.Tag);
            pulledAtFirst ??= inputs.Pulled;
            yielded++;
            await Task.Delay(2);  // a slow consumer: the stages fill up and must wait
            mostAhead = Math.Max(mostAhead, inputs.Pulled - yielded);
        }

        Assert.Equal(count, yielded);
        // Three one-batch channels, three stages holding one batch each, and the batch being yielded.
        Assert.InRange(pulledAtFirst!.Value, 1, 8 * batchSize);
        Assert.InRange(mostAhead, 0, 8 * batchSize);
        Assert.True(inputs.Disposed);
    }

    [Fact]
    public async Task Cancellation_stops_promptly_and_returns_every_buffer()
    {
        var bytes = PredictorFixture.Image(96, 96, seed: 4);
        var inputs = new CountingInputs(Enumerable.Range(0, 100_000).Select(i => new ImageInput<string>($"k{i}", bytes)));
        var predictor = Predictor(batchSize: 4);
        using var cancellation = new CancellationTokenSource();
        int received = 0;

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var outcome in predictor.PredictAsync(inputs, cancellation.Token))
            {
                if (++received == 6)
                {
                    await cancellation.CancelAsync();
                }
            }
        });

        Assert.Equal(cancellation.Token, error.CancellationToken);
        Assert.InRange(received, 6, 6 + 4 * 8);
        Assert.True(inputs.Disposed);
        Assert.True(inputs.Pulled < 100, $"{inputs.Pulled} inputs pulled");
        Assert.Equal(0, predictor.Resources.Held);
    }

    [Fact]
    public async Task Breaking_out_early_releases_everything()
    {
        var inputs = new CountingInputs(GoodImages(20));
        var predictor = Predictor(batchSize: 3);

        await foreach (var outcome in predictor.PredictAsync(inputs))
        {
            Assert.Equal("img-0", outcome.Tag);
            break;
        }

        Assert.True(inputs.Disposed);
        Assert.Equal(0, predictor.Resources.Held);
    }

    [Fact]
    public async Task An_exception_from_the_input_sequence_fails_the_run_with_that_exception()
    {
        var inputs = new CountingInputs(GoodImages(5), new IOException("listing failed at page 2"));
        var predictor = Predictor(batchSize: 2);
        var received = new List<string>();

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var outcome in predictor.PredictAsync(inputs))
            {
                received.Add(outcome.Tag);
            }
        });

        Assert.Equal("listing failed at page 2", error.Message);
        Assert.True(received.Count <= 5);
        Assert.Equal(0, predictor.Resources.Held);
    }

    [Fact]
    public async Task Concurrent_callers_sharing_the_predictor_get_the_same_outcomes()
    {
        var inputs = GoodImages(6);
        var predictor = Predictor(batchSize: 2);

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => predictor.PredictAsync(AsyncSequence.Of(inputs)).ToListAsync())));

        for (int i = 0; i < inputs.Length; i++)
        {
            AssertSame(runs[0][i], runs[1][i]);
            AssertSame(runs[0][i], runs[2][i]);
        }
    }

    [Fact]
    public async Task Telemetry_counts_images_and_failures_and_times_batches_with_the_provider_tag()
    {
        var measurements = new List<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InferenceTelemetry.Name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument.Name, value, tags));
        meterListener.Start();
        var activities = new List<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == InferenceTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                lock (activities)
                {
                    activities.Add(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(activityListener);
        var good = GoodImages(3);
        ImageInput<string>[] inputs = [good[0], new("bad", "nope"u8.ToArray()), good[1], good[2]];

        await Predictor(batchSize: 2).PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        // This class's tests run one at a time and no other test class uses a BatchPredictor.
        List<(string Instrument, double Value, Dictionary<string, object?> Tags)> seen;
        lock (measurements)
        {
            seen = [.. measurements];
        }

        Assert.All(seen, m => Assert.Equal("cpu", m.Tags[InferenceTelemetry.ProviderTag]));
        Assert.Equal(3, seen.Where(m => m.Instrument == InferenceTelemetry.ImagesCounter && (string?)m.Tags[InferenceTelemetry.OutcomeTag] == "succeeded").Sum(m => m.Value));
        Assert.Equal(1, seen.Where(m => m.Instrument == InferenceTelemetry.ImagesCounter && (string?)m.Tags[InferenceTelemetry.OutcomeTag] == "failed").Sum(m => m.Value));
        var failure = Assert.Single(seen, m => m.Instrument == InferenceTelemetry.FailuresCounter);
        Assert.Equal("unknown_format", failure.Tags[InferenceTelemetry.FailureReasonTag]);
        var durations = seen.Where(m => m.Instrument == InferenceTelemetry.BatchDurationHistogram).ToList();
        Assert.Equal(2, durations.Count);  // [good, bad] → 1 image, [good, good] → 2 images
        Assert.All(durations, d => Assert.True(d.Value > 0));
        lock (activities)
        {
            Assert.Equal([1, 2], activities.Where(a => a.OperationName == InferenceTelemetry.BatchActivity).Select(a => (int)a.GetTagItem(InferenceTelemetry.BatchSizeTag)!));
        }

        void Add(string instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var dictionary = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                dictionary[tag.Key] = tag.Value;
            }

            lock (measurements)
            {
                measurements.Add((instrument, value, dictionary));
            }
        }
    }

    internal static void AssertSame(ImageOutcome<string> expected, ImageOutcome<string> actual)
    {
        Assert.Equal(expected.Tag, actual.Tag);
        Assert.Equal((expected.Width, expected.Height, expected.FailureReason), (actual.Width, actual.Height, actual.FailureReason));
        Assert.Equal(expected.Instances.Count, actual.Instances.Count);
        for (int i = 0; i < expected.Instances.Count; i++)
        {
            var (e, a) = (expected.Instances[i], actual.Instances[i]);
            Assert.Equal((e.Query, e.ClassIndex, e.ClassScore, e.Score, e.Box), (a.Query, a.ClassIndex, a.ClassScore, a.Score, a.Box));
            Assert.Equal((e.Mask.Height, e.Mask.Width), (a.Mask.Height, a.Mask.Width));
            Assert.True(e.Mask.Counts.SequenceEqual(a.Mask.Counts), $"{actual.Tag}: mask of instance {i} differs");
        }
    }
}

using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Batching;
using DiMaskDino.Inference.Images;
using DiMaskDino.Inference.PostProcessing;
using DiMaskDino.Inference.Runtime;
using DiMaskDino.Inference.Tests.Runtime;
using DiMaskDino.TestSupport;

namespace DiMaskDino.Inference.Tests.Batching;

/// <summary>The tiny model exported at 96×96 with metadata saying resize_shortest_edge (short side 96, long side ≤ 96).</summary>
public sealed class ResizeModelFixture : IDisposable
{
    private readonly TinyOnnxModel _tiny = new();

    public ResizeModelFixture()
    {
        var metadata = TinyOnnxModel.ExportCommandMetadata();
        metadata[ModelMetadata.Keys.InputTransform] = ModelMetadata.Values.ResizeShortestEdge;
        metadata[ModelMetadata.Keys.ResizeShortEdge] = "96";
        metadata[ModelMetadata.Keys.ResizeMaxSize] = "96";
        metadata[ModelMetadata.Keys.SizeDivisibility] = "32";
        Session = new ModelSession(
            _tiny.Write("resize.onnx", metadata), new InferenceOptions { PreferredProvider = ExecutionProvider.Cpu, IntraOpThreads = 2 }, new ListLogger<ModelSession>());
    }

    public ModelSession Session { get; }

    public void Dispose()
    {
        Session.Dispose();
        _tiny.Dispose();
    }
}

/// <summary>BatchPredictor on a model whose metadata asks for the official resize: real ORT, real exported graph.</summary>
public sealed class ResizeShortestEdgePredictorTests(ResizeModelFixture fixture) : IClassFixture<ResizeModelFixture>
{
    [Fact]
    public void The_engine_takes_the_transform_from_the_metadata()
    {
        var model = fixture.Session.Metadata;
        Assert.Equal(InputTransformKind.ResizeShortestEdge, model.InputTransform);
        Assert.Equal((96, 96, 32), (model.ResizeShortEdge, model.ResizeMaxSize, model.SizeDivisibility));
        var transform = Assert.IsType<ResizeShortestEdge>(ModelInputTransform.For(model));
        Assert.Equal((96, 96), (transform.ShortEdge, transform.MaxSize));
        Assert.Equal((48, 64), (((ResizeShortestEdge)ModelInputTransform.For(model, shortEdge: 48, maxSize: 64)).ShortEdge, 64));
    }

    [Fact]
    public async Task Images_whose_padded_size_is_the_graphs_are_labelled_the_others_fail_without_extra_padding()
    {
        // 60×80 → 72×96 and 96×96 → 96×96 both pad to 96×96: they share one run. 40×200 → 19×96 pads to 32×96: a
        // fixed 96×96 graph cannot take it without padding it further than the official pipeline, so it fails.
        ImageInput<string>[] inputs =
        [
            new("wide", PredictorFixture.Image(80, 60, seed: 2)),
            new("thin", PredictorFixture.Image(200, 40, seed: 4)),
            new("square", PredictorFixture.Image(96, 96, seed: 1)),
        ];
        var predictor = new BatchPredictor(fixture.Session, new BatchPredictorOptions { BatchSize = 3, DecodeParallelism = 2 });

        var outcomes = await predictor.PredictAsync(AsyncSequence.Of(inputs)).ToListAsync();

        Assert.Equal(["wide", "thin", "square"], outcomes.Select(o => o.Tag));
        BatchPredictorTests.AssertSame(PredictorFixture.Single(fixture.Session, "wide", inputs[0].Bytes.ToArray()), outcomes[0]);
        BatchPredictorTests.AssertSame(PredictorFixture.Single(fixture.Session, "square", inputs[2].Bytes.ToArray()), outcomes[2]);
        Assert.All([outcomes[0], outcomes[2]], o => Assert.NotEmpty(o.Instances));
        Assert.False(outcomes[1].Succeeded);
        Assert.Contains("19x96 padded to 32x96", outcomes[1].FailureReason, StringComparison.Ordinal);
        Assert.Contains("fixed input size 96x96", outcomes[1].FailureReason, StringComparison.Ordinal);
        Assert.Equal(0, predictor.Resources.Held);
    }

    [Fact]
    public void The_official_canvas_is_the_padded_resized_size_where_the_letterbox_keeps_the_fixed_canvas()
    {
        var resize = ModelInputTransform.For(fixture.Session.Metadata).Fit(60, 80);
        var letterbox = LetterboxGeometry.Fit(96, 96, 60, 80);

        Assert.Equal(new LetterboxGeometry(96, 96, 72, 96, 60, 80), resize);
        Assert.Equal(new LetterboxGeometry(96, 96, 72, 96, 60, 80), letterbox);
        Assert.Equal(new LetterboxGeometry(32, 96, 19, 96, 40, 200), ModelInputTransform.For(fixture.Session.Metadata).Fit(40, 200));
        Assert.Equal(new LetterboxGeometry(96, 96, 19, 96, 40, 200), LetterboxGeometry.Fit(96, 96, 40, 200));
    }

    [Fact]
    public void A_fixed_size_graph_refuses_another_input_size()
    {
        var error = Assert.Throws<ArgumentException>(() => fixture.Session.Run(new float[3 * 32 * 96], 1, 32, 96));

        Assert.Contains("96x96, got 32x96", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_overrides_are_refused_for_a_letterbox_model()
    {
        var letterboxModel = fixture.Session.Metadata with { InputTransform = InputTransformKind.Letterbox, ResizeShortEdge = 0, ResizeMaxSize = 0 };

        var error = Assert.Throws<ArgumentException>(() => ModelInputTransform.For(letterboxModel, shortEdge: 64));
        Assert.Contains("resize_shortest_edge", error.Message, StringComparison.Ordinal);
        var letterbox = Assert.IsType<Letterbox>(ModelInputTransform.For(letterboxModel));
        Assert.Equal((96, 96), (letterbox.CanvasHeight, letterbox.CanvasWidth));
    }
}

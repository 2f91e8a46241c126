using DiMaskDino.Contracts.Models;
using DiMaskDino.Inference.Runtime;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;
using static TorchSharp.torch;
using InferenceChannelOrder = DiMaskDino.Contracts.Models.ChannelOrder;

namespace DiMaskDino.Inference.Tests.Runtime;

/// <summary>ModelSession on a real exported tiny model and the real ORT (no GPU here, so CUDA falls back to the CPU).</summary>
public sealed class ModelSessionTests(TinyOnnxModel tiny, ITestOutputHelper output) : IClassFixture<TinyOnnxModel>
{
    private static ModelSession Open(string path, ListLogger<ModelSession>? logger = null, ExecutionProvider preferred = ExecutionProvider.Cuda) =>
        new(path, new InferenceOptions { PreferredProvider = preferred, IntraOpThreads = 2 }, logger ?? new ListLogger<ModelSession>());

    [Fact]
    public void Preferring_cuda_without_a_gpu_falls_back_to_the_cpu_and_says_so_once()
    {
        var logger = new ListLogger<ModelSession>();
        using var session = Open(tiny.Path, logger);

        Assert.Equal(ExecutionProvider.Cpu, session.Provider);
        var entry = Assert.Single(logger.Entries);
        output.WriteLine(entry.Message);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("CUDA", entry.Message, StringComparison.Ordinal);
        Assert.Contains("falling back to the CPU", entry.Message, StringComparison.Ordinal);
        Assert.Contains(tiny.Path, entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preferring_the_cpu_logs_the_provider_once()
    {
        var logger = new ListLogger<ModelSession>();
        using var session = Open(tiny.Path, logger, ExecutionProvider.Cpu);

        Assert.Equal(ExecutionProvider.Cpu, session.Provider);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains("Cpu", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_is_read_from_the_model()
    {
        using var session = Open(tiny.Path);
        var metadata = session.Metadata;
        var options = tiny.Model.Options;

        Assert.Equal("inference", metadata.Graph);
        Assert.Equal("Tiny", metadata.Preset);
        Assert.Equal((96, 96), (metadata.InputHeight, metadata.InputWidth));
        Assert.Equal((24, 24), (metadata.MaskHeight, metadata.MaskWidth));
        Assert.Equal(InferenceChannelOrder.Bgr, metadata.ChannelOrder);
        Assert.Equal(options.Normalization.Mean, metadata.Mean);
        Assert.Equal(options.Normalization.Std, metadata.Std);
        Assert.Equal(options.HiddenDim, metadata.HiddenDim);
        Assert.Equal(6, metadata.NumClasses);
        Assert.Equal(20, metadata.NumQueries);
        Assert.Equal(options.DeImbalance, metadata.DeImbalance);
        Assert.Equal(options.Bato, metadata.Bato);
        Assert.Equal("float32", metadata.WeightsDtype);
        Assert.Equal(
            TinyOnnxModel.Categories.Select((c, i) => new ModelClass(i, c.Id, c.Name)),
            metadata.Classes);
        Assert.Equal("coco-tiny (train 120 images)", metadata.TrainingData);
        Assert.Equal(new Dictionary<string, double> { ["segm_AP"] = 0.125, ["bbox_AP"] = 0.25 }, metadata.Metrics);
        Assert.Equal("epoch 3, iteration 450", metadata.Checkpoint);
        Assert.Equal("1.2.3.0", metadata.ExporterVersion);
    }

    [Fact]
    public void Run_on_a_batch_of_two_matches_the_TorchSharp_model()
    {
        using var session = Open(tiny.Path);
        var (input, expected) = Reference(batch: 2, seed: 7);

        using var outputs = session.Run(input, 2);

        Assert.Equal([2, 20, 6], outputs.LogitsShape);
        Assert.Equal([2, 20, 4], outputs.BoxesShape);
        Assert.Equal([2, 20, 24, 24], outputs.MasksShape);
        AssertClose(expected[0], outputs.Logits);
        AssertClose(expected[1], outputs.Boxes);
        AssertClose(expected[2], outputs.Masks);
    }

    [Fact]
    public void Concurrent_runs_from_four_threads_give_identical_results()
    {
        using var session = Open(tiny.Path);
        var inputs = Enumerable.Range(0, 4).Select(i => Reference(batch: 1, seed: 100 + i).Input).ToArray();
        var sequential = inputs.Select(input => Snapshot(session, input)).ToArray();

        var concurrent = new float[4][][][];
        using var start = new Barrier(4);
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            concurrent[t] = Enumerable.Range(0, 3).Select(_ => Snapshot(session, inputs[t])).ToArray();
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        for (var t = 0; t < 4; t++)
        {
            foreach (var repeat in concurrent[t])
            {
                for (var o = 0; o < 3; o++)
                {
                    Assert.Equal(sequential[t][o], repeat[o]);
                }
            }
        }
    }

    [Fact]
    public void Run_rejects_an_input_of_the_wrong_length()
    {
        using var session = Open(tiny.Path);

        var error = Assert.Throws<ArgumentException>(() => session.Run(new float[3 * 96 * 96], 2));
        Assert.Contains("96", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_missing_a_metadata_key_fails_naming_the_key()
    {
        var metadata = TinyOnnxModel.ExportCommandMetadata();
        metadata.Remove(ModelMetadata.Keys.Classes);
        var path = tiny.Write("no-classes.onnx", metadata);

        var error = Assert.Throws<InvalidDataException>(() => Open(path));
        Assert.Contains("dimaskdino.classes", error.Message, StringComparison.Ordinal);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_with_malformed_classes_fails_naming_the_key()
    {
        var metadata = TinyOnnxModel.ExportCommandMetadata();
        metadata[ModelMetadata.Keys.Classes] = "person,car";
        var path = tiny.Write("bad-classes.onnx", metadata);

        var error = Assert.Throws<InvalidDataException>(() => Open(path));
        Assert.Contains("dimaskdino.classes", error.Message, StringComparison.Ordinal);
        Assert.Contains("malformed", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_onnx_fails_clearly()
    {
        var path = tiny.WriteBytes("not-a-model.onnx", "this is not a protobuf"u8.ToArray());

        var error = Assert.Throws<InvalidDataException>(() => Open(path, preferred: ExecutionProvider.Cpu));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a loadable ONNX model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_fails_with_file_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => Open("/nonexistent/model.onnx"));
    }

    /// <summary>Normalised input [batch, 3, 96, 96] and the TorchSharp outputs for the same random 0–255 images.</summary>
    private (float[] Input, float[][] Expected) Reference(int batch, int seed)
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var generator = new Generator((ulong)seed);
        var images = rand([batch, 3, TinyOnnxModel.Size, TinyOnnxModel.Size], generator: generator) * 255;
        var input = tiny.Model.Preprocess(images).contiguous().data<float>().ToArray();
        using var outputs = tiny.Model.Infer(images);
        return (input, [
            outputs.PredLogits.contiguous().data<float>().ToArray(),
            outputs.PredBoxes.contiguous().data<float>().ToArray(),
            outputs.PredMasks.contiguous().data<float>().ToArray()]);
    }

    private static float[][] Snapshot(ModelSession session, float[] input)
    {
        using var outputs = session.Run(input, 1);
        return [outputs.Logits.ToArray(), outputs.Boxes.ToArray(), outputs.Masks.ToArray()];
    }

    private static void AssertClose(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = 0.0;
        for (var i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.True(worst <= 1e-4, $"max-abs difference {worst:E2} > 1e-4");
    }
}

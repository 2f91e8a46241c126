// Runs exported graphs with ONNX Runtime (CPU EP, default graph optimisations, OrtValue API) and compares them with
// TorchSharp tensors (model.md §14.2 #19–20).

using DiMaskDino.Model.Export;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

internal static class OrtParity
{
    /// <summary>Runs <paramref name="model"/> on float32 inputs and returns the named outputs as TorchSharp tensors.</summary>
    public static Tensor[] Run(byte[] model, IReadOnlyList<(string Name, Tensor Value)> inputs, IReadOnlyList<string> outputs)
    {
        using var options = new SessionOptions();
        using var session = new InferenceSession(model, options);
        return Run(session, inputs, outputs);
    }

    public static Tensor[] Run(InferenceSession session, IReadOnlyList<(string Name, Tensor Value)> inputs, IReadOnlyList<string> outputs)
    {
        var values = inputs.Select(i =>
        {
            var contiguous = i.Value.detach().contiguous();
            return OrtValue.CreateTensorValueFromMemory(contiguous.data<float>().ToArray(), contiguous.shape);
        }).ToList();
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [.. inputs.Select(i => i.Name)], values, [.. outputs]);
            return [.. results.Select(r => tensor(r.GetTensorDataAsSpan<float>().ToArray(), r.GetTensorTypeAndShape().Shape))];
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }

    /// <summary>Builds a one-input, one-output graph around <paramref name="emit"/>, runs it on <paramref name="x"/>.</summary>
    public static Tensor RunSingle(Tensor x, Func<OnnxGraphBuilder, string, string> emit, WeightPrecision precision = WeightPrecision.Float32)
    {
        var g = new OnnxGraphBuilder("test", precision);
        var input = g.AddInput("x", [OnnxGraphBuilder.BatchDim, .. x.shape.Skip(1).Cast<object>()]);
        var output = emit(g, input);
        g.AddOutputWithoutShape("y", output);
        return Run(g.ToBytes(), [("x", x)], ["y"])[0];
    }

    /// <summary>Asserts max |expected − actual| ≤ <paramref name="tolerance"/> and logs the measured value.</summary>
    public static void AssertClose(ITestOutputHelper log, string label, Tensor expected, Tensor actual, double tolerance)
    {
        double error = MaxAbs(expected, actual);
        using var magnitude = expected.abs().max();
        log.WriteLine($"{label}: max-abs {error:E2} (tolerance {tolerance:E0}, max |reference| {magnitude.item<float>():G3})");
        Assert.InRange(error, 0, tolerance);
    }

    public static double MaxAbs(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var difference = (expected.detach() - actual).abs().max();
        return difference.item<float>();
    }
}

// The r50-small golden set imported once per test class, exported size-dynamic in stage mode (every stage of the
// official forward as a graph output) and run once in ONNX Runtime on the recorded preprocessed input (R50 at
// 800×1216 on CPU: tens of seconds on a loaded machine).

using DiMaskDino.Model.Export;
using DiMaskDino.TestSupport;
using Microsoft.ML.OnnxRuntime;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Import;

public sealed class OfficialOnnxStagesFixture : IDisposable
{
    private readonly Lazy<Result> _result = new(Run);

    /// <summary>The graph's outputs on the set's first case (call after OfficialGolden.Require()).</summary>
    internal Result Get() => _result.Value;

    public void Dispose()
    {
        if (_result.IsValueCreated)
        {
            _result.Value.Dispose();
        }
    }

    private static Result Run()
    {
        var @case = OfficialGolden.Cases("r50-small")[0];
        byte[] graph;
        var (_, model) = OfficialR50SmallFixture.Import();
        using (model)
        {
            graph = OnnxExporter.Build(model, null, null, WeightPrecision.Float32, stageOutputs: true).ToBytes();
        }

        var input = Safetensors.Read(@case.Preprocessed)["image"];
        using var options = new SessionOptions();
        using var session = new InferenceSession(graph, options);
        using var image = OrtValue.CreateTensorValueFromMemory(input.Floats!, input.Shape);
        using var runOptions = new RunOptions();
        var names = session.OutputNames.ToArray();
        using var results = session.Run(runOptions, [OnnxExporter.ImagesInput], [image], names);
        var outputs = new Dictionary<string, Tensor>();
        for (var i = 0; i < names.Length; i++)
        {
            var info = results[i].GetTensorTypeAndShape();
            outputs[names[i]] = info.ElementDataType == TensorElementType.Int64
                ? tensor(results[i].GetTensorDataAsSpan<long>().ToArray(), info.Shape)
                : tensor(results[i].GetTensorDataAsSpan<float>().ToArray(), info.Shape);
        }

        return new Result(outputs, Safetensors.Read(@case.Stages));
    }

    /// <param name="Outputs">every graph output by name (stage names as in stages.safetensors), float32 or int64</param>
    internal sealed record Result(IReadOnlyDictionary<string, Tensor> Outputs, Safetensors Stages) : IDisposable
    {
        public void Dispose()
        {
            foreach (var output in Outputs.Values)
            {
                output.Dispose();
            }
        }
    }
}

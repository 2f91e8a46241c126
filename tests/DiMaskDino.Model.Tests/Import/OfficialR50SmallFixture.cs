// The r50-small golden set imported once per test class and run once through the TorchSharp model at the recorded
// input (800×1206 → padded 800×1216 on CPU takes seconds): the traced outputs every stage test compares.

using DiMaskDino.Model.Import;
using DiMaskDino.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Import;

public sealed class OfficialR50SmallFixture : IDisposable
{
    private readonly Lazy<Result> _result = new(Run);

    /// <summary>The import and the traced forward of the set's first case (call after OfficialGolden.Require()).</summary>
    internal Result Get() => _result.Value;

    public void Dispose()
    {
        if (_result.IsValueCreated)
        {
            _result.Value.Dispose();
        }
    }

    /// <summary>The r50-small checkpoint imported in-process with its config.yaml (call after OfficialGolden.Require()).</summary>
    internal static (ModelOptions Options, DiMaskDinoModel Model) Import()
    {
        var set = OfficialGolden.RequireSet("r50-small");
        var options = DetectronConfigOptions.From(DetectronConfig.Load(Path.Combine(set, "config.yaml")));
        using var checkpoint = TorchCheckpointReader.Open(Path.Combine(set, "model_final.pth"));
        return (options, OfficialCheckpointImporter.Load(checkpoint, options, "config.yaml"));
    }

    private static Result Run()
    {
        var @case = OfficialGolden.Cases("r50-small")[0];
        var (options, model) = Import();

        using var image = Image.Load<Rgb24>(@case.Resized);
        var pixels = new float[3 * image.Height * image.Width];
        var plane = image.Height * image.Width;
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var i = y * row.Length + x;
                    pixels[i] = row[x].R;
                    pixels[plane + i] = row[x].G;
                    pixels[2 * plane + i] = row[x].B;
                }
            }
        });

        var trace = new ModelTrace();
        using var input = tensor(pixels, [1, 3, image.Height, image.Width]);
        using var inference = torch.inference_mode();
        var preprocessed = model.Preprocess(input);
        var outputs = model.Infer(input, trace);
        return new Result(options, model, trace, outputs, preprocessed, Safetensors.Read(@case.Stages), Safetensors.Read(@case.Preprocessed));
    }

    internal sealed record Result(
        ModelOptions Options, DiMaskDinoModel Model, ModelTrace Trace, InferenceOutputs Outputs, Tensor Preprocessed,
        Safetensors Stages, Safetensors Input) : IDisposable
    {
        public void Dispose()
        {
            Outputs.Dispose();
            Preprocessed.Dispose();
            Trace.Dispose();
            Model.Dispose();
        }
    }
}

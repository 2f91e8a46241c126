// The r50-small official checkpoint (../shared/golden/official) imported once per test class with the real
// `dimaskdino-train import` into a size-dynamic ONNX model, the file users get from the README's two commands.

using DiMaskDino.TestSupport;

namespace DiMaskDino.Cli.Tests.Official;

public sealed class ImportedR50SmallModel : IDisposable
{
    private readonly TemporaryDirectory _work = new();
    private readonly Lazy<string> _model;

    public ImportedR50SmallModel() => _model = new(Import);

    /// <summary>The imported ONNX model (call after <see cref="OfficialGolden.Require"/>).</summary>
    public string ModelPath => _model.Value;

    public string Work => _work.Path;

    public void Dispose() => _work.Dispose();

    private string Import()
    {
        var set = OfficialGolden.RequireSet("r50-small");
        var onnx = _work.File("r50-small.onnx");
        var run = ProcessRunner.Run(
            "dimaskdino-train.dll", TimeSpan.FromMinutes(5),
            "import", "--checkpoint", Path.Combine(set, "model_final.pth"), "--config", Path.Combine(set, "config.yaml"),
            "--out", _work.File("checkpoint"), "--onnx", onnx);
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"dimaskdino-train import exited {run.ExitCode}: {run.StandardError}");
        }

        return onnx;
    }
}

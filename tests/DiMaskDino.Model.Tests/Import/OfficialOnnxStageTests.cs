// The official r50-small checkpoint, imported with its config.yaml and exported size-dynamic, reproduces in ONNX Runtime
// every recorded stage of the official forward (shared/golden/official/README.md), not only the final outputs: the
// stage-mode graph exposes each stage as an output; float tensors match within 1e-4 on the stored stride slice,
// int64 tensors (spatial shapes, selections) exactly. Without stage mode the graph keeps its three outputs.

using DiMaskDino.Model.Export;
using DiMaskDino.Model.Tests.Export;
using DiMaskDino.TestSupport;
using Xunit.Abstractions;

namespace DiMaskDino.Model.Tests.Import;

public sealed class OfficialOnnxStageTests(OfficialOnnxStagesFixture fixture, ITestOutputHelper output) : IClassFixture<OfficialOnnxStagesFixture>
{
    [SkippableFact]
    public void Every_recorded_stage_matches_the_official_forward_in_onnx_runtime()
    {
        OfficialGolden.Require();
        var result = fixture.Get();
        Assert.Equal(result.Stages.Names.Order(), result.Outputs.Keys.Order());
        var failures = new List<string>();
        var worst = (Diff: 0f, Name: "");
        foreach (var name in result.Stages.Names.Order())
        {
            try
            {
                var diff = OfficialStageTests.Compare(name, result.Stages[name], result.Outputs[name], result.Stages.SliceOf(name));
                output.WriteLine($"{name}: {(result.Stages[name].Longs is null ? $"max |diff| {diff:G3}" : "int64 equal")}");
                worst = diff > worst.Diff ? (diff, name) : worst;
            }
            catch (Exception e) when (e is Xunit.Sdk.XunitException)
            {
                failures.Add(e.Message);
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        output.WriteLine($"{result.Outputs.Count} stages in ONNX Runtime; largest float difference {worst.Diff:G3} ({worst.Name})");
    }

    [Fact]
    public void Without_stage_mode_the_graph_has_only_the_three_inference_outputs()
    {
        using var model = ExportTestModels.Tiny(81, deImbalance: true, bato: true);
        var plain = OnnxExporter.Build(model, null, null, WeightPrecision.Float32).Build().Graph;
        var staged = OnnxExporter.Build(model, null, null, WeightPrecision.Float32, stageOutputs: true).Build().Graph;
        Assert.Equal(OnnxExporter.InferenceOutputs, plain.Output.Select(o => o.Name));
        Assert.Equal(OnnxExporter.InferenceOutputs, staged.Output.Select(o => o.Name).Where(OnnxExporter.InferenceOutputs.Contains));
        Assert.Contains("backbone.res2", staged.Output.Select(o => o.Name));
        Assert.Contains("bato.guide_indices", staged.Output.Select(o => o.Name));
        Assert.True(plain.Node.Count < staged.Node.Count);
    }
}

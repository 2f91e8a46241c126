// Parity of the selection emitters (class max → top-k → gather) with TorchSharp's amax/topk/gather (model.md §4.4).

using DiMaskDino.Model.Export;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class SelectionEmitterTests(ITestOutputHelper log)
{
    [Fact]
    public void Class_max_top_k_and_row_gather_match_torchsharp()
    {
        manual_seed(71);
        using var logits = randn(2, 30, 5);                                   // [B, N, C]
        using var memory = randn(2, 30, 16);                                  // [B, N, d]
        using var score = logits.amax([-1]);
        var (_, indices) = score.topk(7, dim: 1, largest: true, sorted: true);
        using var topIndices = indices;
        using var expected = memory.gather(1, topIndices.unsqueeze(-1).expand(2, 7, 16));

        var g = new OnnxGraphBuilder("selection");
        g.AddInput("logits", OnnxGraphBuilder.BatchDim, 30L, 5L);
        g.AddInput("memory", OnnxGraphBuilder.BatchDim, 30L, 16L);
        var selected = SelectionEmitters.GatherRows(
            g, "memory", SelectionEmitters.TopKIndices(g, SelectionEmitters.ClassMax(g, "logits"), 7));
        g.AddOutput("selected", selected, OnnxGraphBuilder.BatchDim, 7L, 16L);
        using var actual = OrtParity.Run(g.ToBytes(), [("logits", logits), ("memory", memory)], ["selected"])[0];

        OrtParity.AssertClose(log, "selection", expected, actual, 0);
    }
}

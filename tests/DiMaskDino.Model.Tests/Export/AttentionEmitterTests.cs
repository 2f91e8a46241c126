// Parity of the MSDA (GridSample per level) and MHA emitters with TorchSharp, random non-init weights (model.md §3.4,
// §13.2).

using DiMaskDino.Model.Attention;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Export;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Export;

public sealed class AttentionEmitterTests(ITestOutputHelper log)
{
    private static readonly LevelShapes Levels = new([(5, 6), (3, 3), (2, 1)]);

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Msda_with_random_weights_matches_torchsharp(int referenceDim)
    {
        manual_seed(31);
        using var msda = new MultiScaleDeformableAttention(32, Levels.Count, heads: 4, points: 3);
        ExportTestModels.Randomize(msda);
        using (no_grad())
        {
            msda.SamplingOffsets.weight!.mul_(4);                                  // offsets of several pixels: many samples fall outside
        }

        const long queries = 7;
        using var query = randn(2, queries, 32);
        using var value = randn(2, Levels.TotalTokens, 32);
        using var reference = referenceDim == 2
            ? rand(2, queries, Levels.Count, 2)
            : cat([rand(2, queries, Levels.Count, 2), 0.1 + 0.8 * rand(2, queries, Levels.Count, 2)], -1);
        using var expected = msda.call(query, reference, value, Levels);

        var g = new OnnxGraphBuilder("msda");
        g.AddInput("query", OnnxGraphBuilder.BatchDim, queries, 32L);
        g.AddInput("reference", OnnxGraphBuilder.BatchDim, queries, (long)Levels.Count, (long)referenceDim);
        g.AddInput("value", OnnxGraphBuilder.BatchDim, Levels.TotalTokens, 32L);
        var output = AttentionEmitters.MultiScaleDeformableAttention(g, "query", "reference", referenceDim, "value", msda, LevelGeometry.Constant(g, Levels));
        g.AddOutput("y", output, OnnxGraphBuilder.BatchDim, queries, 32L);
        using var actual = OrtParity.Run(g.ToBytes(), [("query", query), ("reference", reference), ("value", value)], ["y"])[0];

        OrtParity.AssertClose(log, $"msda ref{referenceDim}", expected, actual, 1e-5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Multi_head_attention_with_and_without_mask_matches_torchsharp(bool masked)
    {
        manual_seed(32);
        using var mha = new MultiHeadAttention(32, 4);
        ExportTestModels.Randomize(mha);
        using var query = randn(2, 5, 32);
        using var key = randn(2, 7, 32);
        using var value = randn(2, 7, 32);
        var blockedValues = Enumerable.Range(0, 5 * 7).Select(i => masked && i % 7 != i / 7 && (i * 37) % 3 == 0).ToArray();
        using var blocked = tensor(blockedValues).view(5, 7);
        using var expected = mha.call(query, key, value, masked ? blocked : null);

        var g = new OnnxGraphBuilder("mha");
        g.AddInput("query", OnnxGraphBuilder.BatchDim, 5L, 32L);
        g.AddInput("key", OnnxGraphBuilder.BatchDim, 7L, 32L);
        g.AddInput("value", OnnxGraphBuilder.BatchDim, 7L, 32L);
        string? mask = masked ? g.AddBoolConstant("blocked", blockedValues, 5, 7) : null;
        var output = AttentionEmitters.MultiHeadAttention(g, "query", "key", "value", mha, heads: 4, mask);
        g.AddOutput("y", output, OnnxGraphBuilder.BatchDim, 5L, 32L);
        using var actual = OrtParity.Run(g.ToBytes(), [("query", query), ("key", key), ("value", value)], ["y"])[0];

        OrtParity.AssertClose(log, $"mha masked={masked}", expected, actual, 1e-5);
        if (masked)
        {
            using var unmasked = mha.call(query, key, value, null);
            Assert.True(OrtParity.MaxAbs(unmasked, actual) > 1e-3);                 // the mask really changes the result
        }
    }
}

using DiMaskDino.Model.Common;
using DiMaskDino.Model.DeImbalance;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Query;
using DiMaskDino.Model.Tests.Heads;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.DeImbalance;

public sealed class PlainQuerySelectionTests
{
    private const int D = 128;
    private static readonly LevelShapes Decoder128 = new([(2, 2), (4, 4), (8, 8), (16, 16)]);

    [Fact]
    public void Di_off_selects_q_tokens_once_and_uses_detached_content_with_mask2box_references()
    {
        using var scope = NewDisposeScope();
        manual_seed(41);
        var options = ModelOptions.Tiny(10) with { DeImbalance = false };
        using var heads = new PredictionHeads(D, 10, D);
        using var encoderHead = new EncoderOutputHead(D);
        var memory = randn(2, 340, D, requires_grad: true);
        using var encoded = encoderHead.Predict(Proposals.Apply(memory, Decoder128), heads);

        Assert.Equal(options.NumQueries, options.FirstSelectionCount);
        using var front = TwoStageSelection.Run(encoded, heads, randn(2, D, 32, 32), options.FirstSelectionCount);
        using var queries = PlainQuerySelection.FromFirstSelection(front, options.NumQueries);

        Assert.Equal(new long[] { 2, 50, D }, queries.Content.shape);
        Assert.False(queries.Content.requires_grad);
        Assert.True(TensorAssert.Same(queries.Content, TwoStageSelection.Gather(encoded.Memory, front.Indices)));
        Assert.True(TensorAssert.Same(queries.ReferenceLogits, MaskToBox.ReferenceLogits(front.Interm.Masks)));
    }

    [Fact]
    public void Di_off_rejects_a_first_selection_that_is_not_q_tokens()
    {
        using var scope = NewDisposeScope();
        using var front = new TwoStageOutput(
            new IntermPredictions(zeros(1, 100, 10), zeros(1, 100, 4, 4), zeros(1, 100, 4)),
            zeros(1, 100, D), zeros(1, 100, 4), zeros(1, 100, dtype: int64));

        Assert.Throws<ArgumentException>(() => PlainQuerySelection.FromFirstSelection(front, 50));
    }
}

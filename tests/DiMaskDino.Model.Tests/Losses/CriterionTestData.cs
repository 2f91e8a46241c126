// Synthetic predictions and targets shared by the matcher and criterion tests.
using DiMaskDino.Model.Losses;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Tests.Losses;

/// <summary>Small synthetic predictions and targets for matcher and criterion tests.</summary>
internal static class CriterionTestData
{
    public const int Canvas = 32;

    public const int MaskSize = 8; // stride 4

    /// <summary>n rectangular objects with consistent boxes; masks bool [n, 32, 32].</summary>
    public static ImageTarget Target(int n, int classes, Random random)
    {
        var masks = zeros([n, Canvas, Canvas], dtype: ScalarType.Bool);
        var boxes = new float[n * 4];
        var labels = new long[n];
        for (var i = 0; i < n; i++)
        {
            var x0 = random.Next(0, Canvas - 6);
            var y0 = random.Next(0, Canvas - 6);
            var x1 = random.Next(x0 + 4, Canvas + 1);
            var y1 = random.Next(y0 + 4, Canvas + 1);
            using (var region = masks[i].narrow(0, y0, y1 - y0).narrow(1, x0, x1 - x0))
            {
                region.fill_(true);
            }

            boxes[i * 4] = (x0 + x1) / 2f / Canvas;
            boxes[i * 4 + 1] = (y0 + y1) / 2f / Canvas;
            boxes[i * 4 + 2] = (x1 - x0) / (float)Canvas;
            boxes[i * 4 + 3] = (y1 - y0) / (float)Canvas;
            labels[i] = random.Next(0, classes);
        }

        return new ImageTarget(tensor(labels, [n]), tensor(boxes, [n, 4]), masks);
    }

    /// <summary>Random leaf predictions that require grad: logits N(0,1), boxes in [0.25, 0.75], mask logits N(0,1).</summary>
    public static PredictionSet Predictions(long batch, long queries, long classes, bool withMasks = true)
    {
        var logits = randn(batch, queries, classes).requires_grad_();
        var boxes = (rand(batch, queries, 4) * 0.5f + 0.25f).requires_grad_();
        var masks = withMasks ? randn(batch, queries, MaskSize, MaskSize).requires_grad_() : null;
        return new PredictionSet(logits, boxes, masks);
    }

    /// <summary>
    /// Training outputs with <paramref name="decoderLayers"/> aux sets (initial + layers 0..L_d−2), two DI aux sets and,
    /// when <paramref name="dnGroups"/> &gt; 0, DN sets with pad = the largest GT count.
    /// </summary>
    public static TrainingOutputs Outputs(
        IReadOnlyList<ImageTarget> targets, int classes, int decoderLayers, int dnGroups, int queries = 6, int firstSelected = 8)
    {
        var batch = targets.Count;
        var aux = Enumerable.Range(0, decoderLayers).Select(_ => Predictions(batch, queries, classes)).ToArray();
        var diAux = Enumerable.Range(0, 2).Select(_ => Predictions(batch, firstSelected, classes, withMasks: false)).ToArray();
        DenoisingOutputs? dn = null;
        var pad = targets.Max(t => t.Count);
        if (dnGroups > 0 && pad > 0)
        {
            var dnAux = Enumerable.Range(0, decoderLayers).Select(_ => Predictions(batch, dnGroups * pad, classes)).ToArray();
            dn = new DenoisingOutputs(Predictions(batch, dnGroups * pad, classes), dnAux, dnGroups, pad);
        }

        return new TrainingOutputs(
            Predictions(batch, queries, classes), aux, Predictions(batch, firstSelected, classes), diAux, dn);
    }

    /// <summary>Every tensor of the outputs that should receive a gradient.</summary>
    public static IEnumerable<Tensor> Leaves(TrainingOutputs outputs)
    {
        var sets = new List<PredictionSet> { outputs.Main, outputs.Interm };
        sets.AddRange(outputs.Aux);
        sets.AddRange(outputs.DiAux);
        if (outputs.Dn is { } dn)
        {
            sets.Add(dn.Main);
            sets.AddRange(dn.Aux);
        }

        foreach (var set in sets)
        {
            yield return set.Logits;
            yield return set.Boxes;
            if (set.Masks is { } masks)
            {
                yield return masks;
            }
        }
    }
}

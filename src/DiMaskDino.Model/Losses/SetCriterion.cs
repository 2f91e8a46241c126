// The training criterion of model.md §9 (with the DN bookkeeping of §8.4 and the supervised sets of §7.5): Hungarian
// matching per output set, focal / L1 / GIoU / point-sampled BCE + dice losses, and the weighted total of §9.4.
// Sets and their matching: main, interm, aux (initial prediction + decoder layers except the last) with all costs;
// DI aux with class + box costs and only ce/bbox/giou; DN main and DN aux with the fixed assignment, normaliser
// num_gt × groups. Computation (and random-number) order follows the original: main, DN main, DI aux, then each aux
// set with its DN aux set, then interm.
using DiMaskDino.Model.Matching;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Losses;

/// <summary>Computes every loss term of a training step from the model's <see cref="TrainingOutputs"/>.</summary>
public sealed class SetCriterion
{
    private readonly HungarianMatcher _matcher;

    /// <param name="weights">term weights (also the matcher's cost weights)</param>
    /// <param name="points">points per mask for the matcher and the mask losses</param>
    /// <param name="denoising">DN training is configured: when a step has no DN outputs, its DN terms are reported as
    /// 0 so every step has the same terms (model.md §8.1)</param>
    public SetCriterion(LossWeights weights, MaskPointOptions points, bool denoising)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(points);
        points.Validate();
        Weights = weights;
        Points = points;
        Denoising = denoising;
        _matcher = new HungarianMatcher(weights, points.Points);
    }

    public LossWeights Weights { get; }

    public MaskPointOptions Points { get; }

    public bool Denoising { get; }

    /// <summary>The criterion of a model configuration: paper weights, its point counts, DN when DN_NUM &gt; 0.</summary>
    public static SetCriterion FromOptions(ModelOptions options) =>
        new(LossWeights.Paper, MaskPointOptions.From(options), options.DenoisingQueries > 0);

    /// <summary>Matches every output set and computes all loss terms and their weighted total.</summary>
    /// <param name="outputs">the model's training outputs (read only; the caller keeps ownership)</param>
    /// <param name="targets">B images of ground truth (read only)</param>
    /// <param name="generator">source of the matcher's and the mask losses' sample points</param>
    /// <returns>a breakdown owning its tensors; backward on <see cref="LossBreakdown.Total"/>.</returns>
    public LossBreakdown Compute(TrainingOutputs outputs, IReadOnlyList<ImageTarget> targets, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(generator);
        ValidateShapes(outputs);

        using var scope = NewDisposeScope();
        var batch = new BatchTargets(targets, outputs.Main);
        var numGt = Math.Max(1f, batch.TotalCount); // §9.2, single process
        var entries = new List<LossEntry>();

        AddMatched(entries, LossSet.Main, outputs.Main, batch, numGt, generator);
        AddDenoising(entries, LossSet.DenoisingMain, outputs.Dn?.Main, outputs.Dn, batch, numGt, generator);
        for (var i = 0; i < outputs.DiAux.Count; i++)
        {
            AddMatched(entries, LossSet.DiAux(i), outputs.DiAux[i], batch, numGt, generator);
        }

        for (var i = 0; i < outputs.Aux.Count; i++)
        {
            AddMatched(entries, LossSet.Aux(i), outputs.Aux[i], batch, numGt, generator);
            AddDenoising(entries, LossSet.DenoisingAux(i), outputs.Dn?.Aux[i], outputs.Dn, batch, numGt, generator);
        }

        AddMatched(entries, LossSet.Interm, outputs.Interm, batch, numGt, generator);

        var total = entries.Select(e => e.Weight * e.Value).Aggregate((sum, term) => sum + term);
        foreach (var entry in entries)
        {
            entry.Value.MoveToOuterDisposeScope();
        }

        return new LossBreakdown(entries, total.MoveToOuterDisposeScope());
    }

    private void AddMatched(
        List<LossEntry> entries, LossSet set, PredictionSet predictions, BatchTargets batch, float numGt, Generator generator)
    {
        var costs = set.HasMasks ? MatchCosts.ClassBoxMask : MatchCosts.ClassBox;
        var matches = _matcher.Match(predictions, batch.ForMatching, costs, generator);
        AddTerms(entries, set, predictions, batch, matches, numGt, generator);
    }

    private void AddDenoising(
        List<LossEntry> entries,
        LossSet set,
        PredictionSet? predictions,
        DenoisingOutputs? dn,
        BatchTargets batch,
        float numGt,
        Generator generator)
    {
        if (predictions is null || dn is null)
        {
            if (Denoising)
            {
                entries.AddRange(set.Terms.Select(term => new LossEntry(set, term, Weights.For(term), tensor(0f))));
            }

            return;
        }

        var matches = DenoisingAssignment.Build(batch.Counts, dn.Groups, dn.SlotsPerGroup);
        AddTerms(entries, set, predictions, batch, matches, numGt * dn.Groups, generator);
    }

    /// <summary>The §9.3 terms of one set for given pairs; tensors land in the caller's scope.</summary>
    private void AddTerms(
        List<LossEntry> entries,
        LossSet set,
        PredictionSet predictions,
        BatchTargets batch,
        IReadOnlyList<ImageMatch> matches,
        float normaliser,
        Generator generator)
    {
        var (b, n, c) = (predictions.BatchSize, predictions.Queries, predictions.Classes);
        var flatQueries = new List<long>(); // b·N + q of every matched query, image by image
        var oneHot = new float[b * n * c];
        var targetIndices = new Tensor[b];
        for (var image = 0; image < b; image++)
        {
            var match = matches[image];
            for (var k = 0; k < match.Count; k++)
            {
                var flat = image * n + match.Queries[k];
                flatQueries.Add(flat);
                oneHot[flat * c + batch.Labels[image][match.Targets[k]]] = 1f;
            }

            targetIndices[image] = tensor(match.Targets.Select(t => (long)t).ToArray(), ScalarType.Int64);
        }

        var matched = tensor(flatQueries.ToArray(), ScalarType.Int64); // [M]
        var classTargets = tensor(oneHot, [b, n, c]); // [B, N, C] one-hot, unmatched rows zero
        Add(LossTerm.Ce, FocalLoss.Sigmoid(predictions.Logits, classTargets, normaliser));

        var predictedBoxes = predictions.Boxes.reshape(b * n, 4).index_select(0, matched); // [M, 4]
        var targetBoxes = cat(
            Enumerable.Range(0, (int)b).Select(i => batch.Boxes[i].index_select(0, targetIndices[i])).ToList(), 0);
        Add(LossTerm.Bbox, BoxLosses.L1(predictedBoxes, targetBoxes, normaliser));
        Add(LossTerm.Giou, BoxLosses.Giou(predictedBoxes, targetBoxes, normaliser));

        if (!set.HasMasks)
        {
            return;
        }

        var masks = predictions.Masks
            ?? throw new ArgumentException($"output set {set} must carry masks");
        if (flatQueries.Count == 0)
        {
            // Nothing matched (no GT in the batch): zero, but still connected to the graph.
            Add(LossTerm.Mask, masks.sum() * 0f);
            Add(LossTerm.Dice, masks.sum() * 0f);
            return;
        }

        var predictedMasks = masks.reshape(b * n, masks.shape[2], masks.shape[3]).index_select(0, matched); // [M, h, w]
        var targetMasks = cat(
            Enumerable.Range(0, (int)b).Where(i => matches[i].Count > 0)
                .Select(i => batch.FloatMasks[i].index_select(0, targetIndices[i])).ToList(),
            0); // [M, H, W]
        var samples = MaskLosses.SamplePoints(predictedMasks, targetMasks, Points, generator);
        Add(LossTerm.Mask, MaskLosses.SigmoidCe(samples.Logits, samples.Labels, normaliser));
        Add(LossTerm.Dice, MaskLosses.Dice(samples.Logits, samples.Labels, normaliser));

        void Add(LossTerm term, Tensor value) => entries.Add(new LossEntry(set, term, Weights.For(term), value));
    }

    private static void ValidateShapes(TrainingOutputs outputs)
    {
        var masked = outputs.Aux.Prepend(outputs.Main).Append(outputs.Interm)
            .Concat(outputs.Dn is { } d ? d.Aux.Prepend(d.Main) : []);
        if (masked.Any(set => set.Masks is null))
        {
            throw new ArgumentException("main, aux, interm and denoising sets must carry masks (only DI aux sets may not)");
        }

        if (outputs.Dn is not { } dn)
        {
            return;
        }

        if (dn.Aux.Count != outputs.Aux.Count)
        {
            throw new ArgumentException(
                $"{dn.Aux.Count} denoising aux sets for {outputs.Aux.Count} aux sets; they must correspond one to one");
        }

        var expected = (long)dn.Groups * dn.SlotsPerGroup;
        foreach (var set in dn.Aux.Prepend(dn.Main))
        {
            if (set.Queries != expected)
            {
                throw new ArgumentException(
                    $"denoising set has {set.Queries} queries, expected groups·slots = {dn.Groups}·{dn.SlotsPerGroup}");
            }
        }
    }
}

// Noised denoising queries, DN "seg" of DN-DETR style without negatives (model.md §8.2; Appendix B quirk 12):
// label flips with probability λ/2 to a uniform class, box jitter, clamp and logit; zero padding slots.
// Training only. Field name label_enc as in MaskDINO's decoder.

using DiMaskDino.Model.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Denoising;

/// <summary>The DN queries of one step, to be prepended to the matching queries.</summary>
/// <param name="Content">[B, P_dn, d] label_enc(noised label); 0 in unused slots</param>
/// <param name="ReferenceLogits">[B, P_dn, 4] logit(noised box); 0 in unused slots (box (0.5, 0.5, 0.5, 0.5))</param>
/// <param name="Labels">[B, P_dn] int64 noised labels that built the content; −1 in unused slots</param>
/// <param name="Plan">the layout (groups, pad)</param>
public sealed record DenoisingQueries(Tensor Content, Tensor ReferenceLogits, Tensor Labels, DenoisingPlan Plan) : IDisposable
{
    public void Dispose()
    {
        Content.Dispose();
        ReferenceLogits.Dispose();
        Labels.Dispose();
    }
}

/// <summary>
/// Holds label_enc = Embedding(C, d), initialised N(0, 1), and builds the noised queries with an explicit
/// <see cref="Generator"/> (deterministic for a given seed).
/// </summary>
public sealed class DenoisingQueryBuilder : nn.Module
{
    private readonly Embedding label_enc;

    /// <param name="numClasses">C</param>
    /// <param name="hiddenDim">d</param>
    /// <param name="noiseScale">λ (0.4)</param>
    public DenoisingQueryBuilder(long numClasses, long hiddenDim, double noiseScale) : base(nameof(DenoisingQueryBuilder))
    {
        NumClasses = numClasses;
        HiddenDim = hiddenDim;
        NoiseScale = noiseScale;
        label_enc = nn.Embedding(numClasses, hiddenDim);
        RegisterComponents();

        using var noGrad = no_grad();
        nn.init.normal_(label_enc.weight!, 0, 1);
    }

    public long NumClasses { get; }

    public long HiddenDim { get; }

    public double NoiseScale { get; }

    /// <summary>
    /// For every group and every GT j of image b (slot g·pad + j): with probability λ/2 the label becomes a uniform
    /// class in [0, C); box b ← clamp(b + U(−1, 1)⁴ ⊙ (w/2, h/2, w, h)·λ, 0, 1); reference logit = logit(b).
    /// Random draws are group-major over the concatenated GT of all images, as in the original.
    /// </summary>
    /// <param name="labels">per image [n_b] int64 GT classes</param>
    /// <param name="boxes">per image [n_b, 4] GT boxes, cxcywh normalised by the padded canvas</param>
    /// <param name="plan">from <see cref="DenoisingPlan.Create"/> with the same GT counts</param>
    /// <param name="generator">the step's random generator</param>
    public DenoisingQueries Build(IReadOnlyList<Tensor> labels, IReadOnlyList<Tensor> boxes, DenoisingPlan plan, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(generator);
        if (labels.Count != boxes.Count)
        {
            throw new ArgumentException($"{labels.Count} label tensors but {boxes.Count} box tensors");
        }

        using var scope = NewDisposeScope();
        long batch = labels.Count, slots = plan.Count, groups = plan.Groups;
        var device = label_enc.weight!.device;

        // Destination of every (image, GT) pair inside group 0: b·P_dn + j.
        var destination = new List<long>();
        for (var b = 0; b < batch; b++)
        {
            var n = labels[b].shape[0];
            if (n > plan.Pad || boxes[b].shape[0] != n)
            {
                throw new ArgumentException($"image {b}: {n} labels, {boxes[b].shape[0]} boxes, {plan.Pad} slots per group");
            }

            for (var j = 0; j < n; j++)
            {
                destination.Add(b * slots + j);
            }
        }

        var known = destination.Count;
        var groupOffsets = arange(groups, dtype: int64, device: device).unsqueeze(1) * plan.Pad; // [G, 1]
        var slotIndex = (tensor(destination.ToArray(), dtype: int64, device: device).unsqueeze(0) + groupOffsets).flatten(); // [G·N]

        var gtLabels = cat([.. labels], 0).to(int64).repeat(groups);               // [G·N]
        var gtBoxes = cat([.. boxes], 0).to(float32).repeat(groups, 1);            // [G·N, 4]

        var flip = rand([groups * known], generator: generator, device: device) < NoiseScale * 0.5; // [G·N]
        var randomLabels = randint(0, NumClasses, [groups * known], dtype: int64, device: device, generator: generator);
        var noisedLabels = where(flip, randomLabels, gtLabels);                    // [G·N]

        var wh = gtBoxes.narrow(1, 2, 2);                                          // [G·N, 2]
        var scale = cat([wh / 2, wh], 1);                                          // [G·N, 4] (w/2, h/2, w, h)
        var jitter = rand([groups * known, 4], generator: generator, device: device) * 2 - 1;
        var noisedBoxes = (gtBoxes + jitter * scale * NoiseScale).clamp(0, 1);     // [G·N, 4]

        var content = zeros(batch * slots, HiddenDim, device: device)
            .index_copy(0, slotIndex, label_enc.call(noisedLabels))
            .reshape(batch, slots, HiddenDim);                                     // [B, P_dn, d]
        var references = zeros(batch * slots, 4, device: device)
            .index_copy(0, slotIndex, BoxMath.InverseSigmoid(noisedBoxes))
            .reshape(batch, slots, 4);                                             // [B, P_dn, 4]
        var slotLabels = full(batch * slots, -1L, dtype: int64, device: device)
            .index_copy(0, slotIndex, noisedLabels)
            .reshape(batch, slots);                                                // [B, P_dn]
        return new DenoisingQueries(
            content.MoveToOuterDisposeScope(),
            references.MoveToOuterDisposeScope(),
            slotLabels.MoveToOuterDisposeScope(),
            plan);
    }
}

// Point sampling for the matcher's mask costs and the point-sampled mask losses (model.md §9.1, §9.3): uniform points
// in [0,1]², bilinear sampling of [N, H, W] maps at normalised points (grid_sample, align_corners = false, zero
// padding; point (x, y) ∈ [0,1]² ↦ grid 2·p − 1, as PointRend's point_sample), and the uncertainty-based importance
// sampling (oversample, keep the smallest |logit|, top up with fresh uniform points). Randomness only through an
// explicit torch.Generator so a seeded run is reproducible.
using static TorchSharp.torch;

namespace DiMaskDino.Model.Matching;

/// <summary>How many points the matcher and the mask losses sample per mask (model.md §9.3, §11, §12).</summary>
/// <param name="Points">P: points per mask (12 544 paper, 1 024 TINY).</param>
/// <param name="OversampleRatio">candidates drawn = ⌊P · ratio⌋ (3.0).</param>
/// <param name="ImportanceSampleRatio">share of P taken from the most uncertain candidates (0.75).</param>
public sealed record MaskPointOptions(int Points, float OversampleRatio = 3.0f, float ImportanceSampleRatio = 0.75f)
{
    /// <summary>⌊P · oversample⌋ uniform candidates (Python int() of the product).</summary>
    public int CandidateCount => (int)(Points * (double)OversampleRatio);

    /// <summary>⌊P · importance⌋ points kept from the candidates: 9 408 of 12 544.</summary>
    public int UncertainCount => (int)(ImportanceSampleRatio * (double)Points);

    /// <summary>P − <see cref="UncertainCount"/> fresh uniform points: 3 136 of 12 544.</summary>
    public int RandomCount => Points - UncertainCount;

    public static MaskPointOptions From(ModelOptions options) =>
        new(options.MaskPoints, options.OversampleRatio, options.ImportanceSampleRatio);

    /// <summary>Throws when the numbers cannot describe a sampling (P ≥ 1, ratio ≥ 1, importance in [0, 1]).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Points, 1, nameof(Points));
        ArgumentOutOfRangeException.ThrowIfLessThan(OversampleRatio, 1f, nameof(OversampleRatio));
        ArgumentOutOfRangeException.ThrowIfLessThan(ImportanceSampleRatio, 0f, nameof(ImportanceSampleRatio));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ImportanceSampleRatio, 1f, nameof(ImportanceSampleRatio));
    }
}

/// <summary>Uniform and importance point sampling of mask maps.</summary>
public static class PointSampling
{
    /// <summary>Independent uniform points in [0, 1)², (x, y) order.</summary>
    /// <returns>[sets, points, 2] float32</returns>
    public static Tensor UniformPoints(long sets, long points, Generator generator) =>
        rand(sets, points, 2L, dtype: ScalarType.Float32, generator: generator);

    /// <summary>
    /// Bilinear value of every map at its points: grid_sample with align_corners = false and zero padding, the point
    /// (x, y) ∈ [0,1]² mapping to grid coordinate 2·(x, y) − 1 (x along W, y along H). Differentiable w.r.t. maps.
    /// </summary>
    /// <param name="maps">[N, H, W] float32 (mask logits, or GT masks converted to float)</param>
    /// <param name="points">[N, P, 2] per-map points, or [P, 2] shared by all maps; (x, y) normalised</param>
    /// <returns>[N, P]</returns>
    public static Tensor Sample(Tensor maps, Tensor points)
    {
        if (maps.dim() != 3)
        {
            throw new ArgumentException($"maps must be [N, H, W], got [{string.Join(", ", maps.shape)}]", nameof(maps));
        }

        using var scope = NewDisposeScope();
        var n = maps.shape[0];
        var grid = points.dim() == 2
            ? points.unsqueeze(0).expand(n, -1, -1) // [N, P, 2]
            : points;
        grid = (2 * grid - 1).unsqueeze(2); // [N, P, 1, 2]
        var sampled = nn.functional.grid_sample(
            maps.unsqueeze(1), // [N, 1, H, W]
            grid,
            mode: GridSampleMode.Bilinear,
            padding_mode: GridSamplePaddingMode.Zeros,
            align_corners: false); // [N, 1, P, 1]
        return sampled.squeeze(-1).squeeze(1).MoveToOuterDisposeScope(); // [N, P]
    }

    /// <summary>
    /// Importance sampling of model.md §9.3 (PointRend's uncertain points with randomness), without gradient:
    /// draw ⌊P·oversample⌋ uniform candidates per map, keep the ⌊P·importance⌋ whose sampled logit has the smallest
    /// |logit| (most uncertain), then append P − that many fresh uniform points.
    /// </summary>
    /// <param name="logits">[N, h, w] predicted mask logits (only read; no gradient flows to them)</param>
    /// <returns>[N, P, 2] points (x, y) in [0,1]²: the uncertain points first, then the random ones.</returns>
    public static Tensor ImportancePoints(Tensor logits, MaskPointOptions options, Generator generator)
    {
        options.Validate();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var n = logits.shape[0];
        var candidates = UniformPoints(n, options.CandidateCount, generator); // [N, 3P, 2]
        var uncertainty = -Sample(logits, candidates).abs(); // [N, 3P]
        var (_, keep) = uncertainty.topk(options.UncertainCount, dim: 1); // [N, 0.75P]
        var kept = candidates.gather(1, keep.unsqueeze(-1).expand(-1, -1, 2)); // [N, 0.75P, 2]
        var points = options.RandomCount > 0
            ? cat([kept, UniformPoints(n, options.RandomCount, generator)], 1) // [N, P, 2]
            : kept;
        return points.MoveToOuterDisposeScope();
    }
}

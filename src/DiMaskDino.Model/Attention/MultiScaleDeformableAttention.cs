// Multi-scale deformable attention, MSDA (model.md §3.4), as MaskDINO's MSDeformAttn (IDEA-Research/MaskDINO,
// maskdino/modeling/pixel_decoder/ops/modules/ms_deform_attn.py, Apache-2.0): same field names, so weights map one
// to one, and the same initialisation. No padding mask (model.md §1.2). Sampling: DeformableSampling.

using DiMaskDino.Model.Common;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Attention;

/// <summary>
/// Each query predicts, per head, level and point, an offset from its reference and an attention weight (softmax
/// jointly over levels and points); the output is the weighted sum of bilinear samples of the projected values.
/// Used by the encoder (2-D reference points, offsets in pixels of each level) and the decoder (4-D reference
/// boxes, offsets scaled by the box size).
/// </summary>
public sealed class MultiScaleDeformableAttention : nn.Module<Tensor, Tensor, Tensor, LevelShapes, Tensor>
{
    private readonly Linear sampling_offsets;
    private readonly Linear attention_weights;
    private readonly Linear value_proj;
    private readonly Linear output_proj;

    /// <param name="dim">d, divisible by <paramref name="heads"/></param>
    /// <param name="levels">N_l</param>
    /// <param name="heads">H_h</param>
    /// <param name="points">N_p</param>
    public MultiScaleDeformableAttention(long dim, int levels, int heads, int points) : base(nameof(MultiScaleDeformableAttention))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(points, 1);
        if (dim % heads != 0)
        {
            throw new ArgumentException($"dim {dim} must be divisible by heads {heads}");
        }

        Dim = dim;
        Levels = levels;
        Heads = heads;
        Points = points;
        sampling_offsets = nn.Linear(dim, heads * levels * points * 2);
        attention_weights = nn.Linear(dim, heads * levels * points);
        value_proj = nn.Linear(dim, dim);
        output_proj = nn.Linear(dim, dim);
        RegisterComponents();
        ResetParameters();
    }

    public long Dim { get; }

    public int Levels { get; }

    public int Heads { get; }

    public int Points { get; }

    /// <summary>W_off: d → H_h·N_l·N_p·2, output index ((h·N_l + l)·N_p + p)·2 + {0 = x, 1 = y}.</summary>
    public Linear SamplingOffsets => sampling_offsets;

    /// <summary>W_att: d → H_h·N_l·N_p, output index (h·N_l + l)·N_p + p.</summary>
    public Linear AttentionWeights => attention_weights;

    public Linear ValueProjection => value_proj;

    public Linear OutputProjection => output_proj;

    /// <summary>
    /// The §3.4 initialisation: W_off weight 0 and bias = <see cref="DirectionPattern"/>; W_att weight and bias 0
    /// (uniform attention); W_v, W_o Xavier-uniform with bias 0. Call it again after any blanket re-initialisation.
    /// </summary>
    public void ResetParameters()
    {
        using var noGrad = no_grad();
        sampling_offsets.weight!.zero_();
        using (var pattern = tensor(DirectionPattern(Heads, Levels, Points)))
        {
            sampling_offsets.bias!.copy_(pattern);
        }

        attention_weights.weight!.zero_();
        attention_weights.bias!.zero_();
        nn.init.xavier_uniform_(value_proj.weight!);
        value_proj.bias!.zero_();
        nn.init.xavier_uniform_(output_proj.weight!);
        output_proj.bias!.zero_();
    }

    /// <summary>
    /// The initial offset bias: head h points along θ_h = 2πh/H_h, the vector (cos θ_h, sin θ_h) scaled so that its
    /// larger coordinate has magnitude 1, times (p + 1) for point p, the same for every level.
    /// </summary>
    /// <returns>H_h·N_l·N_p·2 values at flat index ((h·N_l + l)·N_p + p)·2 + {0 = x, 1 = y}</returns>
    public static float[] DirectionPattern(int heads, int levels, int points)
    {
        var bias = new float[heads * levels * points * 2];
        for (var h = 0; h < heads; h++)
        {
            // float32 angle and trigonometry, as the original computes them (cos(π/2) ≈ −4.4e-8, not 0).
            var theta = h * (float)(2.0 * Math.PI / heads);
            float x = MathF.Cos(theta), y = MathF.Sin(theta);
            var scale = Math.Max(Math.Abs(x), Math.Abs(y));
            for (var l = 0; l < levels; l++)
            {
                for (var p = 0; p < points; p++)
                {
                    var index = ((h * levels + l) * points + p) * 2;
                    bias[index] = x / scale * (p + 1);
                    bias[index + 1] = y / scale * (p + 1);
                }
            }
        }

        return bias;
    }

    /// <param name="query">[B, Nq, d] queries (content plus position)</param>
    /// <param name="reference">
    /// [B, Nq, N_l, 2] reference points (x, y) in [0, 1] — offsets are pixels of each level — or [B, Nq, N_l, 4]
    /// reference boxes (cx, cy, w, h) — a location is (cx, cy) + (Δ/N_p)·(w, h)·0.5
    /// </param>
    /// <param name="value">[B, S, d] value source, levels flattened row-major and concatenated in <paramref name="levels"/> order</param>
    /// <param name="levels">the N_l level sizes of <paramref name="value"/></param>
    /// <returns>[B, Nq, d]</returns>
    public override Tensor forward(Tensor query, Tensor reference, Tensor value, LevelShapes levels)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(levels);
        if (levels.Count != Levels || value.shape[1] != levels.TotalTokens)
        {
            throw new ArgumentException(
                $"expected {Levels} levels holding the {value.shape[1]} value tokens, got {levels.Count} levels with {levels.TotalTokens}");
        }

        if (reference.dim() != 4 || reference.shape[2] != Levels || (reference.shape[3] != 2 && reference.shape[3] != 4))
        {
            throw new ArgumentException(
                $"reference must be [B, Nq, {Levels}, 2 or 4], got [{string.Join(", ", reference.shape)}]", nameof(reference));
        }

        using var scope = NewDisposeScope();
        long batch = query.shape[0], queries = query.shape[1], tokens = value.shape[1], headDim = Dim / Heads;

        var v = value_proj.call(value).view(batch, tokens, Heads, headDim);                      // [B, S, H, d_h]
        var offsets = sampling_offsets.call(query).view(batch, queries, Heads, Levels, Points, 2); // [B, Nq, H, L, P, 2]
        var weights = attention_weights.call(query).view(batch, queries, Heads, Levels * Points)
            .softmax(-1).view(batch, queries, Heads, Levels, Points);                           // [B, Nq, H, L, P]

        var origin = reference.unsqueeze(2).unsqueeze(4);                                       // [B, Nq, 1, L, 1, 2|4]
        Tensor locations;
        if (reference.shape[3] == 2)
        {
            // Offsets are in pixels of level l: divide by (W_l, H_l).
            var normalizer = tensor(
                levels.Sizes.SelectMany(s => new float[] { s.Width, s.Height }).ToArray(),
                device: query.device).view(Levels, 1, 2);                                       // [L, 1, 2]
            locations = origin + offsets / normalizer;
        }
        else
        {
            var centre = origin[TensorIndex.Ellipsis, TensorIndex.Slice(0, 2)];
            var size = origin[TensorIndex.Ellipsis, TensorIndex.Slice(2, 4)];
            locations = centre + offsets / Points * size * 0.5;
        }

        var sampled = DeformableSampling.Sample(v, levels, locations, weights);                 // [B, Nq, d]
        return output_proj.call(sampled).MoveToOuterDisposeScope();
    }
}

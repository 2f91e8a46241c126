// The DI (De-Imbalance) module: token-interaction loop with box refinement and DI aux outputs (model.md §5.3),
// the second selection (§5.4) and its gradient paths (§5.5). Appendix B quirks 7 and 8. The DI-off ablation
// (§5.6) is the separate PlainQuerySelection.

using DiMaskDino.Model.Common;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Query;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DiMaskDino.Model.DeImbalance;

/// <summary>The matching queries handed to the decoder (§6.1, without DN).</summary>
/// <param name="Content">[B, Q, d] decoder content (Q₀ with DI: raw TI output; stop_gradient(T_s1) without)</param>
/// <param name="ReferenceLogits">[B, Q, 4] decoder reference logits (logit(R₀), R₀ not detached, with DI; refs₁ without)</param>
public sealed record DecoderQueries(Tensor Content, Tensor ReferenceLogits) : IDisposable
{
    public void Dispose()
    {
        Content.Dispose();
        ReferenceLogits.Dispose();
    }
}

/// <summary>DI auxiliary output of one TI layer (training only; class + box losses "oldm_*_t").</summary>
/// <param name="Logits">[B, K1, C] class_embed(LN_dec(LN_ti(X_t)))</param>
/// <param name="Boxes">[B, K1, 4] σ(ti_box(LN_ti(X_t)) + logit(R_full_t)), cxcywh</param>
public sealed record DiAuxOutput(Tensor Logits, Tensor Boxes) : IDisposable
{
    /// <summary>[B, K1, d] LN_ti(X_t), the TI layer's normalised output (traced inference).</summary>
    public Tensor? Hidden { get; init; }

    /// <summary>[B, K1, 4] R_full_t, the reference after the TI layer (traced inference).</summary>
    public Tensor? Refined { get; init; }

    public void Dispose()
    {
        Logits.Dispose();
        Boxes.Dispose();
        Hidden?.Dispose();
        Refined?.Dispose();
    }
}

/// <summary>Result of the TI loop on all K1 tokens.</summary>
/// <param name="Content">[B, K1, d] X_T, the last TI layer's raw output (not normalised)</param>
/// <param name="Boxes">[B, K1, 4] R_T, the last refined boxes (not detached)</param>
/// <param name="Aux">one <see cref="DiAuxOutput"/> per TI layer, or empty when not requested</param>
public sealed record TokenInteractionOutput(Tensor Content, Tensor Boxes, IReadOnlyList<DiAuxOutput> Aux) : IDisposable
{
    public void Dispose()
    {
        Content.Dispose();
        Boxes.Dispose();
        foreach (var aux in Aux)
        {
            aux.Dispose();
        }
    }
}

/// <summary>DI module output: decoder queries, DI aux outputs and the second-selection indices.</summary>
/// <param name="Queries">Q₀ and logit(R₀)</param>
/// <param name="Aux">per TI layer (empty when not requested)</param>
/// <param name="Indices">[B, Q] int64 idx2 into the K1 first-selected tokens, by descending score</param>
public sealed record DeImbalanceOutput(DecoderQueries Queries, IReadOnlyList<DiAuxOutput> Aux, Tensor Indices) : IDisposable
{
    /// <summary>[B, Q] the second selection's scores, by descending value (set when aux outputs are requested).</summary>
    public Tensor? Scores { get; init; }

    public void Dispose()
    {
        Queries.Dispose();
        Scores?.Dispose();
        foreach (var aux in Aux)
        {
            aux.Dispose();
        }

        Indices.Dispose();
    }
}

/// <summary>
/// ti_layers (L_t deep copies of one freshly initialised <see cref="TokenInteractionLayer"/>), ti_pos_head =
/// MLP_2(2d → d → d), ti_box = MLP_3(d → d → d → 4) with a zero last layer (shared by every TI layer), ti_norm =
/// LN_ti. The module call runs the TI loop and the second selection; class_embed / LN_dec come from the shared
/// <see cref="PredictionHeads"/> passed in.
/// </summary>
public sealed class DeImbalanceModule : nn.Module<Tensor, Tensor, PredictionHeads, bool, DeImbalanceOutput>
{
    private readonly ModuleList<TokenInteractionLayer> ti_layers;
    private readonly Mlp ti_pos_head;
    private readonly Mlp ti_box;
    private readonly LayerNorm ti_norm;
    private readonly int _hiddenDim;

    /// <param name="hiddenDim">d</param>
    /// <param name="heads">H_h</param>
    /// <param name="feedForwardDim">TI FFN width</param>
    /// <param name="layers">L_t</param>
    /// <param name="numQueries">Q = K2, tokens kept by the second selection</param>
    public DeImbalanceModule(int hiddenDim, int heads, long feedForwardDim, int layers, int numQueries)
        : base(nameof(DeImbalanceModule))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numQueries, 1);
        _hiddenDim = hiddenDim;
        NumQueries = numQueries;
        var first = new TokenInteractionLayer(hiddenDim, heads, feedForwardDim);
        ti_layers = new ModuleList<TokenInteractionLayer>(first);
        for (var t = 1; t < layers; t++)
        {
            ti_layers.Add(first.Copy());
        }

        ti_pos_head = new Mlp(2 * hiddenDim, hiddenDim, hiddenDim, 2);
        ti_box = new Mlp(hiddenDim, hiddenDim, 4, 3);
        ti_norm = nn.LayerNorm(hiddenDim);
        RegisterComponents();

        ti_box.ZeroLastLayer();
    }

    public int NumQueries { get; }

    public IReadOnlyList<TokenInteractionLayer> Layers => [.. ti_layers];

    /// <summary>The TI loop (§5.3) and the second selection (§5.4).</summary>
    /// <param name="content">[B, K1, d] X₀ (detached here as well: stop_gradient(T_s1))</param>
    /// <param name="referenceLogits">[B, K1, 4] refs₁ (detached here as well)</param>
    /// <param name="heads">shared heads (class_embed, LN_dec)</param>
    /// <param name="withAux">compute the DI aux outputs (training)</param>
    public override DeImbalanceOutput forward(Tensor content, Tensor referenceLogits, PredictionHeads heads, bool withAux)
    {
        using var scope = NewDisposeScope();
        var interaction = Interact(content, referenceLogits, heads, withAux);
        var (queries, indices) = SelectSecond(interaction.Content, interaction.Boxes, heads);
        var scores = withAux ? SecondScores(interaction.Content, indices, heads) : null;
        var output = new DeImbalanceOutput(
            new DecoderQueries(queries.Content.MoveToOuterDisposeScope(), queries.ReferenceLogits.MoveToOuterDisposeScope()),
            [.. interaction.Aux.Select(MoveOut)],
            indices.MoveToOuterDisposeScope())
        {
            Scores = scores?.MoveToOuterDisposeScope(),
        };
        return output;
    }

    /// <summary>
    /// R = σ(refs₁); per TI layer t: P = ti_pos_head(SineBox(R)); X = TI_t(X, P); R_full = σ(ti_box(X) + logit(R));
    /// aux_t from (LN_ti(X), R_full); R = stop_gradient(R_full).
    /// </summary>
    /// <param name="content">[B, K1, d] X₀ (detached here)</param>
    /// <param name="referenceLogits">[B, K1, 4] refs₁ (detached here)</param>
    /// <param name="heads">shared heads</param>
    /// <param name="withAux">compute the DI aux outputs</param>
    public TokenInteractionOutput Interact(Tensor content, Tensor referenceLogits, PredictionHeads heads, bool withAux)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(referenceLogits);
        ArgumentNullException.ThrowIfNull(heads);
        using var scope = NewDisposeScope();
        var x = content.detach();                                                  // [B, K1, d]
        var boxes = referenceLogits.detach().sigmoid();                            // [B, K1, 4] R
        var refined = boxes;
        var aux = new List<DiAuxOutput>();
        foreach (var layer in ti_layers)
        {
            var position = ti_pos_head.call(SineEmbedding.Box(boxes, _hiddenDim)); // [B, K1, d]
            x = layer.call(x, position);                                           // [B, K1, d]
            refined = (ti_box.call(x) + BoxMath.InverseSigmoid(boxes)).sigmoid();  // [B, K1, 4] R_full, keeps gradient
            if (withAux)
            {
                aux.Add(AuxOutput(x, refined, heads));
            }

            boxes = refined.detach();
        }

        return new TokenInteractionOutput(
            x.MoveToOuterDisposeScope(),
            refined.MoveToOuterDisposeScope(),
            [.. aux.Select(MoveOut)]);
    }

    private static DiAuxOutput MoveOut(DiAuxOutput a) => new(a.Logits.MoveToOuterDisposeScope(), a.Boxes.MoveToOuterDisposeScope())
    {
        Hidden = a.Hidden?.MoveToOuterDisposeScope(),
        Refined = a.Refined?.MoveToOuterDisposeScope(),
    };

    /// <summary>The second selection's scores of the selected tokens: max_c class_embed(LN_ti(X_T)) at idx2.</summary>
    private Tensor SecondScores(Tensor content, Tensor indices, PredictionHeads heads) =>
        heads.ClassLogits(ti_norm.call(content)).amax([-1]).gather(1, indices);

    /// <summary>
    /// score₂ = max_c class_embed(LN_ti(X_T)) (LN_ti only, no LN_dec); idx2 = top-Q per image; Q₀ = X_T[idx2] raw;
    /// R₀ = R_T[idx2] (not detached); reference logits = logit(R₀).
    /// </summary>
    /// <param name="content">[B, K1, d] X_T</param>
    /// <param name="boxes">[B, K1, 4] R_T</param>
    /// <param name="heads">shared heads (class_embed)</param>
    /// <returns>the decoder queries and idx2 [B, Q] int64</returns>
    public (DecoderQueries Queries, Tensor Indices) SelectSecond(Tensor content, Tensor boxes, PredictionHeads heads)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(heads);
        if (content.shape[1] < NumQueries)
        {
            throw new ArgumentException($"the second selection needs K1 >= Q, got K1 = {content.shape[1]} and Q = {NumQueries}");
        }

        using var scope = NewDisposeScope();
        var score = heads.ClassLogits(ti_norm.call(content)).amax([-1]);          // [B, K1]
        var (_, indices) = score.topk(NumQueries, dim: 1, largest: true, sorted: true); // [B, Q]
        var selected = TwoStageSelection.Gather(content, indices);                 // [B, Q, d]
        var references = BoxMath.InverseSigmoid(TwoStageSelection.Gather(boxes, indices)); // [B, Q, 4]
        return (
            new DecoderQueries(selected.MoveToOuterDisposeScope(), references.MoveToOuterDisposeScope()),
            indices.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// **Quirks**: logits = class_embed(LN_dec(LN_ti(X))) (two norms); boxes = σ(ti_box(LN_ti(X)) + logit(R_full)),
    /// the delta applied on top of the already-refined box.
    /// </summary>
    private DiAuxOutput AuxOutput(Tensor content, Tensor refined, PredictionHeads heads)
    {
        var normalised = ti_norm.call(content);                                    // [B, K1, d]
        var logits = heads.Predict(normalised, null).Logits;                       // [B, K1, C]
        var boxes = (ti_box.call(normalised) + BoxMath.InverseSigmoid(refined)).sigmoid(); // [B, K1, 4]
        return new DiAuxOutput(logits, boxes) { Hidden = normalised, Refined = refined.detach() };
    }
}

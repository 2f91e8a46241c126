// The whole DI-MaskDINO network (model.md "forward pass at a glance"; §1.1 input, §4.1 decoder flattening, §4–§8
// composed): backbone → pixel decoder → decoder-order memory → proposals and encoder head → first selection, interm
// predictions, mask2box → DI (or plain selection) → DN queries (training) → initial prediction → decoder with BATO →
// per-layer heads. Two entry points: the training forward (every supervised set of §7.5, as Losses/TrainingOutputs)
// and the inference forward (only what §13.3 keeps: the last layer's predictions). Built by DiMaskDinoBuilder.

using DiMaskDino.Model.Backbone;
using DiMaskDino.Model.Common;
using DiMaskDino.Model.Decoder;
using DiMaskDino.Model.DeImbalance;
using DiMaskDino.Model.Denoising;
using DiMaskDino.Model.Heads;
using DiMaskDino.Model.Losses;
using DiMaskDino.Model.PixelDecoder;
using DiMaskDino.Model.Query;
using TorchSharp;
using static TorchSharp.torch;

namespace DiMaskDino.Model;

/// <summary>
/// Fields (state_dict prefixes): backbone, pixel_decoder, encoder_head (enc_output, enc_output_norm), heads
/// (class_embed, bbox_embed, mask_embed, decoder_norm), de_imbalance (absent with DI off), denoising (label_enc),
/// decoder (layers, ref_point_head, bato — absent with BATO off).
/// </summary>
public sealed class DiMaskDinoModel : nn.Module
{
    /// <summary>SIZE_DIVISIBILITY: inputs are padded bottom/right to a multiple of this (§1.1).</summary>
    public const int SizeDivisibility = 32;

    private readonly ResNet backbone;
    private readonly MaskDinoPixelDecoder pixel_decoder;
    private readonly EncoderOutputHead encoder_head;
    private readonly PredictionHeads heads;
    private readonly DeImbalanceModule? de_imbalance;
    private readonly DenoisingQueryBuilder denoising;
    private readonly DeformableDecoder decoder;

    internal DiMaskDinoModel(
        ModelOptions options, ResNet backbone, MaskDinoPixelDecoder pixelDecoder, EncoderOutputHead encoderHead,
        PredictionHeads heads, DeImbalanceModule? deImbalance, DenoisingQueryBuilder denoising, DeformableDecoder decoder)
        : base(nameof(DiMaskDinoModel))
    {
        Options = options;
        this.backbone = backbone;
        pixel_decoder = pixelDecoder;
        encoder_head = encoderHead;
        this.heads = heads;
        de_imbalance = deImbalance;
        this.denoising = denoising;
        this.decoder = decoder;
        RegisterComponents();
    }

    /// <summary>The validated options the model was built from (classes, d, Q, normalisation for metadata).</summary>
    public ModelOptions Options { get; }

    public ResNet Backbone => backbone;

    public MaskDinoPixelDecoder PixelDecoder => pixel_decoder;

    public EncoderOutputHead EncoderHead => encoder_head;

    public PredictionHeads Heads => heads;

    /// <summary>The DI module, null when DI is off (§5.6).</summary>
    public DeImbalanceModule? DeImbalance => de_imbalance;

    public DenoisingQueryBuilder Denoising => denoising;

    public DeformableDecoder Decoder => decoder;

    /// <summary>Copies pretrained weights into the backbone (explicit; building the model never loads weights).</summary>
    public void LoadPretrainedBackbone(PretrainedWeights weights) => ResNetWeightsImporter.Load(backbone, weights);

    /// <summary>Decoder-order level sizes [s64, s32, s16, s8] of a padded input (H, W multiples of 32).</summary>
    public static LevelShapes DecoderLevelsFor(long paddedHeight, long paddedWidth)
    {
        if (paddedHeight <= 0 || paddedWidth <= 0 || paddedHeight % SizeDivisibility != 0 || paddedWidth % SizeDivisibility != 0)
        {
            throw new ArgumentException($"padded size must be positive multiples of 32, got {paddedHeight}×{paddedWidth}");
        }

        long h32 = paddedHeight / 32, w32 = paddedWidth / 32;
        return new LevelShapes([((h32 + 1) / 2, (w32 + 1) / 2), (h32, w32), (2 * h32, 2 * w32), (4 * h32, 4 * w32)]);
    }

    /// <summary>§1.1: options.Normalization, then zero padding bottom/right to a multiple of 32.</summary>
    /// <param name="images">[B, 3, H, W] float32 RGB, 0–255</param>
    /// <returns>[B, 3, H_pad, W_pad] normalised</returns>
    public Tensor Preprocess(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3)
        {
            throw new ArgumentException($"images must be [B, 3, H, W], got [{string.Join(", ", images.shape)}]", nameof(images));
        }

        using var scope = NewDisposeScope();
        var x = Options.Normalization.Apply(images);
        long padH = (SizeDivisibility - images.shape[2] % SizeDivisibility) % SizeDivisibility;
        long padW = (SizeDivisibility - images.shape[3] % SizeDivisibility) % SizeDivisibility;
        if (padH > 0 || padW > 0)
        {
            x = nn.functional.pad(x, [0, padW, 0, padH], PaddingModes.Constant, 0);
        }

        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Training forward: every supervised set of §7.5. DN runs when <paramref name="targets"/> and
    /// <paramref name="generator"/> are given and the batch allows it (§8.1); pass null to train without DN.
    /// </summary>
    /// <param name="images">[B, 3, H, W] float32 RGB, 0–255 (normalised and padded here)</param>
    /// <param name="targets">B ground truths (boxes normalised by the padded canvas) for the DN queries, or null</param>
    /// <param name="generator">the step's random generator for the DN noise, or null</param>
    public TrainingOutputs ForwardTraining(Tensor images, IReadOnlyList<ImageTarget>? targets, Generator? generator) =>
        ForwardTraining(images, targets, generator, null);

    internal TrainingOutputs ForwardTraining(Tensor images, IReadOnlyList<ImageTarget>? targets, Generator? generator, ModelTrace? trace)
    {
        using var scope = NewDisposeScope();
        var (maskFeatures, memory, levels) = Encode(images, trace);
        var batch = memory.shape[0];

        var proposals = Proposals.Apply(memory, levels);
        var encoded = encoder_head.Predict(proposals, heads);
        var selection = TwoStageSelection.Run(encoded, heads, maskFeatures, Options.FirstSelectionCount, Options.BoxInitialization);
        var (queries, diAux, secondIndices, _) = SelectQueries(selection.Content, selection.ReferenceLogits, withAux: true);

        DenoisingQueries? dn = null;
        if (targets is not null && generator is not null)
        {
            if (targets.Count != batch)
            {
                throw new ArgumentException($"{targets.Count} targets for a batch of {batch} images", nameof(targets));
            }

            var plan = DenoisingPlan.Create([.. targets.Select(t => t.Count)], Options.DenoisingQueries);
            dn = plan is null ? null : denoising.Build([.. targets.Select(t => t.Labels)], [.. targets.Select(t => t.Boxes)], plan, generator);
        }

        var content = dn is null ? queries.Content : cat([dn.Content, queries.Content], 1);                 // [B, P_dn+Q, d]
        var referenceBoxes = (dn is null ? queries.ReferenceLogits : cat([dn.ReferenceLogits, queries.ReferenceLogits], 1)).sigmoid(); // R_in0
        var selfAttentionMask = dn is null ? null : DenoisingAttentionMask.Build(dn.Plan, Options.NumQueries, content.device);

        var sets = new List<PredictionSet> { DecoderPredictions.Initial(content, referenceBoxes, heads, maskFeatures) };
        var decoded = decoder.call(new DecoderInputs(content, referenceBoxes, memory, levels, maskFeatures, selfAttentionMask), heads);
        for (var l = 0; l < decoder.NumLayers; l++)
        {
            sets.Add(DecoderPredictions.Layer(decoded, l, heads, maskFeatures, withMasks: true));
        }

        var (main, aux, dnOutputs) = DecoderPredictions.Split(sets, dn?.Plan);
        if (trace is not null)
        {
            trace.EncoderLogits = trace.Keep(encoded.Logits);
            trace.EncoderBoxLogits = trace.Keep(encoded.BoxLogits);
            RecordSelection(trace, selection.Content, selection.Interm.Masks, selection.ReferenceLogits, secondIndices, queries);
            RecordDecoder(trace, content, dn?.Plan.Count ?? 0, decoded);
        }

        var interm = new PredictionSet(selection.Interm.Logits, selection.Interm.Boxes, selection.Interm.Masks);
        return new TrainingOutputs(
            MoveOut(main),
            [.. aux.Select(MoveOut)],
            MoveOut(interm),
            [.. diAux.Select(a => MoveOut(new PredictionSet(a.Logits, a.Boxes, null)))],
            dnOutputs is null
                ? null
                : new DenoisingOutputs(MoveOut(dnOutputs.Main), [.. dnOutputs.Aux.Select(MoveOut)], dnOutputs.Groups, dnOutputs.SlotsPerGroup));
    }

    /// <summary>
    /// Inference forward (§13.3): no DN, no interm class logits or boxes, no encoder box head, no DI aux outputs, no
    /// initial prediction, and class/box/mask predictions of the last decoder layer only. Call it in eval mode under
    /// <c>torch.inference_mode()</c> (or <c>no_grad()</c>); it does not switch modes itself.
    /// </summary>
    /// <param name="images">[B, 3, H, W] float32 RGB, 0–255 (normalised and padded here)</param>
    public InferenceOutputs Infer(Tensor images) => Infer(images, null);

    internal InferenceOutputs Infer(Tensor images, ModelTrace? trace)
    {
        using var scope = NewDisposeScope();
        var (maskFeatures, memory, levels) = Encode(images, trace);
        var count = Options.FirstSelectionCount;
        if (levels.TotalTokens < count)
        {
            throw new ArgumentException(
                $"the first selection needs S >= K1: the input gives S = {levels.TotalTokens} memory tokens but K1 = {count}; use a larger input image");
        }

        var proposals = Proposals.Apply(memory, levels);                                       // validity zeroes memory
        var encoded = encoder_head.call(proposals.Memory);                                     // [B, S, d] M_enc
        var tokenScores = heads.ClassLogits(encoded).amax([-1]);                               // [B, S]
        var (firstScores, firstIndices) = tokenScores.topk(count, dim: 1, largest: true, sorted: true); // [B, K1]
        var tokens = TwoStageSelection.Gather(encoded, firstIndices);                          // [B, K1, d] T_s1
        var intermMasks = PredictionHeads.MaskLogits(heads.MaskEmbedding(heads.Normalize(tokens)), maskFeatures); // [B, K1, H/4, W/4]
        var encoderBoxLogits = Options.BoxInitialization == BoxInitialization.EncoderBoxes || trace is not null
            ? heads.BoxDelta(tokens) + TwoStageSelection.Gather(proposals.Logits, firstIndices)   // [B, K1, 4] enc_box_logit[idx1]
            : null;
        var firstReferences = ReferenceInitialization.Logits(Options.BoxInitialization, intermMasks, encoderBoxLogits!); // [B, K1, 4] refs₁
        var (queries, diAux, secondIndices, secondScores) = SelectQueries(tokens.detach(), firstReferences, withAux: trace is not null);

        var referenceBoxes = queries.ReferenceLogits.sigmoid();                                // [B, Q, 4] R_in0
        var decoded = decoder.call(new DecoderInputs(queries.Content, referenceBoxes, memory, levels, maskFeatures, null), heads);
        var last = DecoderPredictions.Layer(decoded, decoder.NumLayers - 1, heads, maskFeatures, withMasks: true);
        if (trace is not null)
        {
            RecordSelection(trace, tokens.detach(), intermMasks, firstReferences, secondIndices, queries);
            RecordDecoder(trace, queries.Content, 0, decoded);
            RecordInferenceStages(trace, new InferenceStages(
                tokenScores, firstScores, firstIndices, tokens, intermMasks, encoderBoxLogits!, diAux, secondScores, referenceBoxes, maskFeatures, decoded));
        }

        return new InferenceOutputs(
            last.Logits.MoveToOuterDisposeScope(),
            last.Boxes.MoveToOuterDisposeScope(),
            last.Masks!.MoveToOuterDisposeScope());
    }

    /// <summary>What a traced inference forward records besides the shared selection and decoder tensors.</summary>
    private sealed record InferenceStages(
        Tensor TokenScores, Tensor FirstScores, Tensor FirstIndices, Tensor Tokens, Tensor IntermMasks, Tensor EncoderBoxLogits,
        IReadOnlyList<DiAuxOutput> DiAux, Tensor? SecondScores, Tensor ReferenceBoxes, Tensor MaskFeatures, DecoderOutput Decoded);

    /// <summary>The official forward's intermediate outputs that inference itself skips (tests compare them stage by stage).</summary>
    private void RecordInferenceStages(ModelTrace trace, InferenceStages s)
    {
        trace.TokenScores = trace.Keep(s.TokenScores);
        trace.FirstScores = trace.Keep(s.FirstScores);
        trace.FirstIndices = trace.Keep(s.FirstIndices);
        trace.IntermLogits = trace.Keep(heads.Predict(s.Tokens, null).Logits);
        trace.IntermBoxes = trace.Keep(s.EncoderBoxLogits.sigmoid());
        trace.IntermBoxCorners = trace.Keep(Options.BoxInitialization == BoxInitialization.Bitmask
            ? MaskToBox.BitmaskCorners(s.IntermMasks)
            : MaskToBox.Corners(s.IntermMasks));
        trace.TokenInteraction = [.. s.DiAux.Select(a => new TraceTokenInteraction(
            trace.Keep(a.Hidden!), trace.Keep(a.Refined!), trace.Keep(a.Logits), trace.Keep(a.Boxes)))];
        trace.SecondScores = trace.KeepOrNull(s.SecondScores);
        var initial = DecoderPredictions.Initial(trace.QueryContent!, s.ReferenceBoxes, heads, s.MaskFeatures);
        trace.InitialLogits = trace.Keep(initial.Logits);
        trace.InitialBoxes = trace.Keep(initial.Boxes);
        var layers = Enumerable.Range(0, decoder.NumLayers)
            .Select(l => DecoderPredictions.Layer(s.Decoded, l, heads, s.MaskFeatures, withMasks: false)).ToList();
        trace.LayerLogits = [.. layers.Select(p => trace.Keep(p.Logits))];
        trace.LayerBoxes = [.. layers.Select(p => trace.Keep(p.Boxes))];
        if (s.Decoded.Bato is { } bato)
        {
            var total = s.Decoded.RawOutputs[0].shape[1];
            var guide = s.Decoded.RawOutputs[0].narrow(1, total - Options.NumQueries, Options.NumQueries);   // Xg
            trace.GuideIndices = trace.Keep(bato.Indices);
            trace.GuideScores = trace.Keep(heads.ClassLogits(guide).amax([-1]).gather(1, bato.Indices));
        }
    }

    /// <summary>Backbone, pixel decoder and the §4.1 decoder-order memory; tensors land in the caller's scope.</summary>
    private (Tensor MaskFeatures, Tensor Memory, LevelShapes Levels) Encode(Tensor images, ModelTrace? trace)
    {
        var input = Preprocess(images);
        var features = backbone.call(input);
        var pixels = pixel_decoder.call(features);
        var decoderMaps = pixels.DecoderMaps;
        var levels = new LevelShapes([.. decoderMaps.Select(m => (m.shape[2], m.shape[3]))]);
        var memory = cat([.. decoderMaps.Select(m => m.flatten(2).transpose(1, 2))], 1);    // [B, S, d] decoder order
        if (trace is not null)
        {
            trace.Backbone = [.. new[] { features.Res2, features.Res3, features.Res4, features.Res5 }.Select(trace.Keep)];
            trace.EncoderMaps = [.. pixels.Maps.Select(trace.Keep)];
            trace.Memory = trace.Keep(memory);
            trace.DecoderLevels = levels;
            trace.MaskFeatures = trace.Keep(pixels.MaskFeatures);
        }

        return (pixels.MaskFeatures, memory, levels);
    }

    /// <summary>DI (§5.3–5.4) or the plain selection (§5.6); results land in the caller's scope.</summary>
    private (DecoderQueries Queries, IReadOnlyList<DiAuxOutput> Aux, Tensor? SecondIndices, Tensor? SecondScores) SelectQueries(
        Tensor content, Tensor referenceLogits, bool withAux)
    {
        if (de_imbalance is null)
        {
            return (PlainQuerySelection.From(content, referenceLogits, Options.NumQueries), [], null, null);
        }

        var output = de_imbalance.call(content, referenceLogits, heads, withAux);
        return (output.Queries, output.Aux, output.Indices, output.Scores);
    }

    private static void RecordSelection(
        ModelTrace trace, Tensor tokens, Tensor intermMasks, Tensor references, Tensor? secondIndices, DecoderQueries queries)
    {
        trace.FirstTokens = trace.Keep(tokens);
        trace.IntermMasks = trace.Keep(intermMasks);
        trace.FirstReferenceLogits = trace.Keep(references);
        trace.SecondIndices = trace.KeepOrNull(secondIndices);
        trace.QueryContent = trace.Keep(queries.Content);
        trace.QueryReferenceLogits = trace.Keep(queries.ReferenceLogits);
    }

    private static void RecordDecoder(ModelTrace trace, Tensor content, int denoisingCount, DecoderOutput decoded)
    {
        trace.DecoderContent = trace.Keep(content);
        trace.DenoisingCount = denoisingCount;
        trace.Hidden = [.. decoded.Hidden.Select(trace.Keep)];
        trace.References = [.. decoded.References.Select(trace.Keep)];
        trace.RawOutputs = [.. decoded.RawOutputs.Select(trace.Keep)];
        trace.MaskTokens = trace.KeepOrNull(decoded.Bato?.MaskTokens);
        trace.BoxTokens = trace.KeepOrNull(decoded.Bato?.BoxTokens);
        trace.UpdatedMaskFeatures = trace.KeepOrNull(decoded.Bato?.MaskFeatures);
        trace.UpdatedMemory = trace.KeepOrNull(decoded.Bato?.Memory);
    }

    private static PredictionSet MoveOut(PredictionSet set) =>
        new(set.Logits.MoveToOuterDisposeScope(), set.Boxes.MoveToOuterDisposeScope(), set.Masks?.MoveToOuterDisposeScope());
}

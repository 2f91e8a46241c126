// Our state_dict names ↔ the official DI-MaskDINO / MaskDINO checkpoint names (detectron2 ResNet, MaskDINOEncoder,
// DIMaskDINODecoder / MaskDINODecoder). Module layouts match one to one except where our modules rename or regroup
// (torchvision-style backbone fields, the flattened "transformer" wrapper, BATO under decoder.bato, DI under
// de_imbalance). The official modules also register shared heads under several names ("alias families"); those are
// listed here so the importer can check every alias and drop it.

using System.Text.RegularExpressions;

namespace DiMaskDino.Model.Import;

public static partial class OfficialKeyMap
{
    private const string Predictor = "sem_seg_head.predictor.";
    private const string PixelDecoder = "sem_seg_head.pixel_decoder.";

    /// <summary>Loss buffer of the official criterion; inference never uses it. Dropped when present.</summary>
    public const string CriterionBuffer = "criterion.empty_weight";

    private static readonly (string Ours, string Official)[] Prefixes =
    [
        ("backbone.conv1.", "backbone.stem.conv1."),
        ("backbone.bn1.", "backbone.stem.conv1.norm."),
        ("pixel_decoder.level_embed", PixelDecoder + "transformer.level_embed"),
        ("pixel_decoder.encoder.", PixelDecoder + "transformer.encoder."),
        ("pixel_decoder.", PixelDecoder),
        ("encoder_head.", Predictor),
        ("heads.bbox_embed.", Predictor + "_bbox_embed."),
        ("heads.", Predictor),
        ("de_imbalance.ti_layers.", Predictor + "oldm.layers."),
        ("de_imbalance.ti_pos_head.", Predictor + "oldm.ref_point_head."),
        ("de_imbalance.ti_box.", Predictor + "_oldm_bbox_embed."),
        ("de_imbalance.ti_norm.", Predictor + "oldm_norm."),
        ("denoising.", Predictor),
        ("decoder.bato.query_guide_feature_update.cross_attn.", Predictor + "query_guide_feature_update.multihead_attn."),
        ("decoder.bato.query_guide_feature_update.", Predictor + "query_guide_feature_update."),
        ("decoder.bato.mask_output_conv.", Predictor + "decoder.mask_output_conv."),
        ("decoder.", Predictor + "decoder."),
    ];

    /// <summary>The official name of one of our state_dict entries.</summary>
    public static string Official(string ours)
    {
        ArgumentNullException.ThrowIfNull(ours);
        var block = BackboneBlock().Match(ours);
        if (block.Success)
        {
            var stage = int.Parse(block.Groups["stage"].Value, System.Globalization.CultureInfo.InvariantCulture) + 1;
            var prefix = $"backbone.res{stage}.{block.Groups["block"].Value}.";
            var rest = block.Groups["rest"].Value;
            var conv = BlockConv().Match(rest);
            if (conv.Success)
            {
                return prefix + $"conv{conv.Groups["n"].Value}.weight";
            }

            var norm = BlockNorm().Match(rest);
            if (norm.Success)
            {
                return prefix + $"conv{norm.Groups["n"].Value}.norm.{norm.Groups["p"].Value}";
            }

            return rest.StartsWith("downsample.0.", StringComparison.Ordinal) ? prefix + "shortcut." + rest["downsample.0.".Length..]
                : rest.StartsWith("downsample.1.", StringComparison.Ordinal) ? prefix + "shortcut.norm." + rest["downsample.1.".Length..]
                : throw new ArgumentException($"no official name for {ours}");
        }

        foreach (var (from, to) in Prefixes)
        {
            if (ours.StartsWith(from, StringComparison.Ordinal))
            {
                return to + ours[from.Length..];
            }
        }

        throw new ArgumentException($"no official name for {ours}");
    }

    /// <summary>
    /// The alias families of the official module for these options: (alias, canonical) pairs, where canonical is
    /// <see cref="Official"/> of one of our entries. 122 at the full DI-MaskDINO R50 configuration.
    /// </summary>
    /// <param name="options">the configuration</param>
    /// <param name="canonical">the official names of our entries (the families are cut from them)</param>
    public static IReadOnlyList<(string Alias, string Canonical)> Aliases(ModelOptions options, IEnumerable<string> canonical)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(canonical);
        var names = canonical.ToList();
        var aliases = new List<(string, string)>();
        void Family(string canonicalPrefix, IEnumerable<string> aliasPrefixes)
        {
            var members = names.Where(n => n.StartsWith(Predictor + canonicalPrefix, StringComparison.Ordinal)).ToList();
            foreach (var aliasPrefix in aliasPrefixes)
            {
                aliases.AddRange(members.Select(n => (Predictor + aliasPrefix + n[(Predictor + canonicalPrefix).Length..], n)));
            }
        }

        var layers = Enumerable.Range(0, options.DecoderLayers);
        Family("_bbox_embed.", layers.Select(l => $"bbox_embed.{l}.").Concat(layers.Select(l => $"decoder.bbox_embed.{l}.")));
        Family("decoder_norm.", ["decoder.norm."]);
        if (options.Bato)
        {
            Family("class_embed.", ["decoder.class_embed."]);
            Family("mask_embed.", ["decoder.mask_embed."]);
            Family("query_guide_feature_update.", ["decoder.query_guide_feature_update."]);
        }

        if (options.DeImbalance)
        {
            var ti = Enumerable.Range(0, options.TokenInteractionLayers);
            Family("class_embed.", ["oldm.class_embed."]);
            Family("_oldm_bbox_embed.", ti.Select(t => $"oldm_bbox_embed.{t}.").Concat(ti.Select(t => $"oldm.bbox_embed.{t}.")));
            Family("oldm_norm.", ["oldm.norm."]);
        }

        return aliases;
    }

    [GeneratedRegex(@"^backbone\.layer(?<stage>[1-4])\.(?<block>\d+)\.(?<rest>.+)$")]
    private static partial Regex BackboneBlock();

    [GeneratedRegex(@"^conv(?<n>[1-3])\.weight$")]
    private static partial Regex BlockConv();

    [GeneratedRegex(@"^bn(?<n>[1-3])\.(?<p>weight|bias|running_mean|running_var)$")]
    private static partial Regex BlockNorm();
}

// Loads an official checkpoint into our network: every key and shape is checked against the configuration (missing,
// unexpected and mis-shaped keys are one error, naming a preset that fits the file instead when there is one), every
// alias must equal its canonical tensor, every weight must be finite; aliases and the criterion's loss buffer are
// dropped.

using System.Globalization;
using static TorchSharp.torch;

namespace DiMaskDino.Model.Import;

public static class OfficialCheckpointImporter
{
    private const int Listed = 10;

    /// <summary>Builds the network of <paramref name="options"/> and loads <paramref name="checkpoint"/> into it.</summary>
    /// <param name="checkpoint">an open official checkpoint</param>
    /// <param name="options">the configuration the file is expected to hold</param>
    /// <param name="configuration">how the configuration is named in errors, e.g. "preset dimaskdino-r50-coco"</param>
    /// <returns>the loaded model in eval mode (the caller disposes it)</returns>
    /// <exception cref="OfficialCheckpointException">the file does not hold exactly this configuration, or bad values</exception>
    public static DiMaskDinoModel Load(TorchCheckpoint checkpoint, ModelOptions options, string configuration)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(options);
        var model = DiMaskDinoBuilder.Build(options);
        try
        {
            var ours = model.state_dict();
            var layout = Layout(options, ours.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.shape));
            var problem = Mismatch(checkpoint, layout);
            if (problem is not null)
            {
                throw new OfficialCheckpointException(checkpoint.File, $"does not fit {configuration}: {problem}{FittingPreset(checkpoint, options)}");
            }

            var entries = checkpoint.Entries.ToDictionary(e => e.Name);
            CheckAliases(checkpoint, entries, layout.Aliases);
            using (no_grad())
            {
                foreach (var (name, target) in ours)
                {
                    var entry = entries[layout.Official[name]];
                    using var value = checkpoint.Read(entry);
                    if (!value.isfinite().all().item<bool>())
                    {
                        throw new OfficialCheckpointException(checkpoint.File, $"{entry.Name} holds NaN or infinite values");
                    }

                    target.copy_(value);
                }
            }

            checkpoint.ReleaseStorages();
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file holds exactly the layout of <paramref name="options"/> (keys and shapes).</summary>
    public static bool Fits(TorchCheckpoint checkpoint, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Mismatch(checkpoint, ExpectedLayout(options)) is null;
    }

    /// <summary>The official names and shapes a checkpoint of <paramref name="options"/> holds.</summary>
    public static OfficialLayout ExpectedLayout(ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var model = DiMaskDinoBuilder.Build(options);
        return Layout(options, model.state_dict().ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.shape));
    }

    private static OfficialLayout Layout(ModelOptions options, IReadOnlyDictionary<string, IReadOnlyList<long>> ours)
    {
        var official = ours.Keys.ToDictionary(k => k, OfficialKeyMap.Official);
        var shapes = ours.ToDictionary(p => official[p.Key], p => p.Value);
        var aliases = OfficialKeyMap.Aliases(options, shapes.Keys);
        foreach (var (alias, canonical) in aliases)
        {
            shapes[alias] = shapes[canonical];
        }

        return new OfficialLayout(official, shapes, aliases);
    }

    private static string? Mismatch(TorchCheckpoint checkpoint, OfficialLayout layout)
    {
        var file = checkpoint.Entries.Where(e => e.Name != OfficialKeyMap.CriterionBuffer).ToDictionary(e => e.Name);
        var missing = layout.Shapes.Keys.Where(k => !file.ContainsKey(k)).ToList();
        var unexpected = file.Keys.Where(k => !layout.Shapes.ContainsKey(k)).ToList();
        var misshaped = file.Values
            .Where(e => layout.Shapes.TryGetValue(e.Name, out var shape) && !shape.SequenceEqual(e.Shape))
            .Select(e => $"{e.Name} {e.ShapeText} expected [{string.Join(",", layout.Shapes[e.Name])}]")
            .ToList();
        var parts = new List<string>();
        if (missing.Count > 0)
        {
            parts.Add(Listing(missing, "missing key"));
        }

        if (unexpected.Count > 0)
        {
            parts.Add(Listing(unexpected, "unexpected key"));
        }

        if (misshaped.Count > 0)
        {
            parts.Add(Listing(misshaped, "mis-shaped key"));
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static string Listing(IReadOnlyList<string> items, string what) =>
        string.Create(CultureInfo.InvariantCulture, $"{items.Count} {what}{(items.Count == 1 ? "" : "s")} ({string.Join(", ", items.Take(Listed))}{(items.Count > Listed ? ", …" : "")})");

    /// <summary>", it fits preset X (use --preset X)" when another preset (at the file's class count) matches exactly.</summary>
    private static string FittingPreset(TorchCheckpoint checkpoint, ModelOptions tried)
    {
        var classEntry = checkpoint.Entries.FirstOrDefault(e => e.Name == "sem_seg_head.predictor.class_embed.weight");
        var classes = classEntry is { Shape.Count: 2 } ? (int)classEntry.Shape[0] : 80;
        foreach (var name in OfficialPresets.Names.Where(n => n != tried.PresetName))
        {
            var candidate = OfficialPresets.For(name) with { NumClasses = classes };
            if (Resembles(checkpoint, candidate) && Fits(checkpoint, candidate))
            {
                return $"; it fits preset {name} (use --preset {name})";
            }
        }

        return "";
    }

    /// <summary>
    /// A cheap first look before building a candidate's network: the layer counts, the DI module's presence and the
    /// level embedding's shape must agree.
    /// </summary>
    private static bool Resembles(TorchCheckpoint checkpoint, ModelOptions options)
    {
        int Count(string prefix) => checkpoint.Entries
            .Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => e.Name[prefix.Length..].Split('.')[0])
            .Distinct().Count();
        var levels = checkpoint.Entries.FirstOrDefault(e => e.Name == "sem_seg_head.pixel_decoder.transformer.level_embed");
        return Count("sem_seg_head.pixel_decoder.transformer.encoder.layers.") == options.EncoderLayers
            && Count("sem_seg_head.predictor.decoder.layers.") == options.DecoderLayers
            && checkpoint.Entries.Any(e => e.Name.StartsWith("sem_seg_head.predictor.oldm.", StringComparison.Ordinal)) == options.DeImbalance
            && levels is not null && levels.Shape.SequenceEqual([options.FeatureLevels, options.HiddenDim]);
    }

    private static void CheckAliases(TorchCheckpoint checkpoint, IReadOnlyDictionary<string, CheckpointEntry> entries, IEnumerable<(string Alias, string Canonical)> aliases)
    {
        foreach (var (aliasName, canonicalName) in aliases)
        {
            var alias = entries[aliasName];
            var canonical = entries[canonicalName];
            if (alias.Reference.Storage.Key == canonical.Reference.Storage.Key && alias.Reference.Offset == canonical.Reference.Offset
                && alias.Reference.Stride.SequenceEqual(canonical.Reference.Stride))
            {
                continue;                                                   // the same view of one storage
            }

            using var a = checkpoint.Read(alias);
            using var c = checkpoint.Read(canonical);
            if (!a.equal(c).item<bool>())
            {
                throw new OfficialCheckpointException(checkpoint.File, $"{aliasName} differs from {canonicalName}, which the official model shares with it");
            }
        }
    }
}

/// <summary>The official layout of a configuration.</summary>
/// <param name="Official">our state_dict name → its official (canonical) name</param>
/// <param name="Shapes">every official key the file must hold (canonical and aliases) → shape</param>
/// <param name="Aliases">(alias, canonical) pairs</param>
public sealed record OfficialLayout(
    IReadOnlyDictionary<string, string> Official,
    IReadOnlyDictionary<string, IReadOnlyList<long>> Shapes,
    IReadOnlyList<(string Alias, string Canonical)> Aliases);

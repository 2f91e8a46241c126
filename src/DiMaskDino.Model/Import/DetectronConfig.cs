// A detectron2-style YAML configuration as the official code reads it: the file's keys over those of its _BASE_
// chain (resolved relative to each file), flattened to dotted keys ("MODEL.MaskDINO.DEC_LAYERS").

using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DiMaskDino.Model.Import;

public sealed class DetectronConfig
{
    private readonly Dictionary<string, YamlNode> _values;

    private DetectronConfig(string file, Dictionary<string, YamlNode> values)
    {
        File = file;
        _values = values;
    }

    public string File { get; }

    /// <summary>Every leaf key set by the file or its bases.</summary>
    public IEnumerable<string> Keys => _values.Keys;

    /// <exception cref="OfficialCheckpointException">unreadable YAML, a missing base, or a _BASE_ cycle</exception>
    public static DetectronConfig Load(string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var values = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        Merge(Path.GetFullPath(file), values, []);
        return new DetectronConfig(file, values);
    }

    public bool Has(string key) => _values.ContainsKey(key);

    public string? String(string key) => _values.TryGetValue(key, out var node) ? Scalar(key, node) : null;

    public string String(string key, string fallback) => String(key) ?? fallback;

    public int Int(string key, int fallback)
    {
        var text = String(key);
        return text is null ? fallback
            : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
            : throw Invalid(key, $"'{text}' is not an integer");
    }

    public double Double(string key, double fallback)
    {
        var text = String(key);
        return text is null ? fallback
            : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
            : throw Invalid(key, $"'{text}' is not a number");
    }

    public bool Bool(string key, bool fallback)
    {
        var text = String(key);
        return text is null ? fallback
            : text.ToLowerInvariant() switch
            {
                "true" => true,
                "false" => false,
                _ => throw Invalid(key, $"'{text}' is not a boolean"),
            };
    }

    /// <summary>A YAML list, or a Python tuple/list written as a string ("(res3, res4)").</summary>
    public IReadOnlyList<string>? List(string key)
    {
        if (!_values.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is YamlSequenceNode sequence)
        {
            return [.. sequence.Children.Select(c => Scalar(key, c))];
        }

        var text = Scalar(key, node).Trim();
        if (text.Length >= 2 && (text[0], text[^1]) is ('(', ')') or ('[', ']'))
        {
            return [.. text[1..^1].Split(',').Select(p => p.Trim().Trim('"', '\'')).Where(p => p.Length > 0)];
        }

        return [text];
    }

    public OfficialCheckpointException Invalid(string key, string problem) => new(File, $"{key}: {problem}");

    private string Scalar(string key, YamlNode node) =>
        node is YamlScalarNode scalar ? scalar.Value ?? "" : throw Invalid(key, "expected a single value");

    private static void Merge(string file, Dictionary<string, YamlNode> values, HashSet<string> chain)
    {
        if (!chain.Add(file))
        {
            throw new OfficialCheckpointException(file, "_BASE_ files form a cycle");
        }

        if (!System.IO.File.Exists(file))
        {
            throw new OfficialCheckpointException(file, "configuration file not found");
        }

        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            using var reader = new StreamReader(file);
            stream.Load(reader);
            root = stream.Documents.Count == 0 ? new YamlMappingNode()
                : stream.Documents[0].RootNode as YamlMappingNode ?? throw new OfficialCheckpointException(file, "the YAML document is not a mapping");
        }
        catch (YamlException e)
        {
            throw new OfficialCheckpointException(file, $"not valid YAML ({e.Start}: {e.Message})", e);
        }

        if (root.Children.TryGetValue(new YamlScalarNode("_BASE_"), out var baseNode))
        {
            var baseFile = (baseNode as YamlScalarNode)?.Value ?? throw new OfficialCheckpointException(file, "_BASE_ must be a file name");
            Merge(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, baseFile)), values, chain);
        }

        Flatten(root, "", values);
        chain.Remove(file);
    }

    private static void Flatten(YamlMappingNode mapping, string prefix, Dictionary<string, YamlNode> values)
    {
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = prefix + ((YamlScalarNode)keyNode).Value;
            if (key == "_BASE_")
            {
                continue;
            }

            if (value is YamlMappingNode child)
            {
                Flatten(child, key + ".", values);
            }
            else
            {
                values[key] = value;
            }
        }
    }
}

// The categories of an imported model, in logit order: from a --classes file (a COCO "categories" list or a COCO dataset
// holding one, in id order as detectron2 registers COCO-format datasets; or one name per line), else COCO's 80 for 80-class models, else class_1 … class_N with ids 1 … N.

using System.Text.Json;
using DiMaskDino.Model.Training;

namespace DiMaskDino.Model.Import;

public static class ImportedCategories
{
    /// <exception cref="OfficialCheckpointException">an unreadable file, or a count other than <paramref name="count"/></exception>
    public static IReadOnlyList<CheckpointCategory> For(int count, string? file)
    {
        if (file is null)
        {
            return count == CocoCategories.All.Count
                ? CocoCategories.All
                : [.. Enumerable.Range(1, count).Select(i => new CheckpointCategory(i, $"class_{i}"))];
        }

        if (!File.Exists(file))
        {
            throw new OfficialCheckpointException(file, "classes file not found");
        }

        var text = File.ReadAllText(file);
        var categories = text.TrimStart().StartsWith('[') || text.TrimStart().StartsWith('{') ? FromJson(file, text) : FromLines(text);
        if (categories.Count != count)
        {
            throw new OfficialCheckpointException(file, $"lists {categories.Count} classes, the model has {count}");
        }

        var duplicate = categories.GroupBy(c => c.Id).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? categories : throw new OfficialCheckpointException(file, $"category id {duplicate.Key} appears twice");
    }

    private static List<CheckpointCategory> FromLines(string text) =>
        [.. text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Select((name, i) => new CheckpointCategory(i + 1, name))];

    private static List<CheckpointCategory> FromJson(string file, string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var list = doc.RootElement.ValueKind == JsonValueKind.Object
                ? doc.RootElement.TryGetProperty("categories", out var c) ? c : throw new OfficialCheckpointException(file, "has no \"categories\" list")
                : doc.RootElement;
            return [.. list.EnumerateArray()
                .Select(e => new CheckpointCategory(e.GetProperty("id").GetInt32(), e.GetProperty("name").GetString() ?? ""))
                .OrderBy(c => c.Id)];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new OfficialCheckpointException(file, $"not a COCO categories list ({e.Message})", e);
        }
    }
}

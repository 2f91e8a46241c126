namespace DiMaskDino.Model.Training;

/// <summary>
/// How a checkpoint's classes become a dataset's, matched by name: a dataset class found in the checkpoint keeps its
/// row of every class-shaped tensor, a new one keeps its fresh initialisation, and checkpoint classes the dataset
/// lacks are dropped.
/// </summary>
/// <param name="Rows">one per dataset class, in class-index order</param>
/// <param name="Dropped">checkpoint classes with no dataset class of the same name</param>
public sealed record ClassMapping(IReadOnlyList<ClassMapping.Row> Rows, IReadOnlyList<string> Dropped)
{
    /// <param name="Index">the dataset's class index</param>
    /// <param name="SourceIndex">the checkpoint's class index of the same name, or null for a new class</param>
    public sealed record Row(int Index, string Name, int? SourceIndex);

    public static ClassMapping Create(IReadOnlyList<string> checkpointClasses, IReadOnlyList<string> datasetClasses)
    {
        var source = IndexByName(checkpointClasses, "the checkpoint");
        var target = IndexByName(datasetClasses, "the dataset");
        var rows = datasetClasses.Select((name, i) => new Row(i, name, source.TryGetValue(name, out var s) ? s : null)).ToList();
        return new ClassMapping(rows, [.. checkpointClasses.Where(name => !target.ContainsKey(name))]);
    }

    public int Kept => Rows.Count(r => r.SourceIndex is not null);

    public int New => Rows.Count(r => r.SourceIndex is null);

    private static Dictionary<string, int> IndexByName(IReadOnlyList<string> names, string owner)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            if (!index.TryAdd(names[i], i))
            {
                throw new InvalidDataException($"{owner} names class '{names[i]}' twice; classes are matched by name");
            }
        }

        return index;
    }
}

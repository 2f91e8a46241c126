// COCO category ids ↔ contiguous class indices 0..C−1 (model.md §1.4 labels), in ascending id order, as detectron2's
// thing_dataset_id_to_contiguous_id does.

using DiMaskDino.Coco;

namespace DiMaskDino.Model.Data;

/// <summary>Maps COCO category ids (any integers, sorted ascending) to class indices 0..C−1 and back.</summary>
public sealed class CategoryMap
{
    private readonly Dictionary<int, int> _indexById;

    public CategoryMap(IEnumerable<CocoCategory> categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        Categories = [.. categories.OrderBy(c => c.Id)];
        _indexById = new Dictionary<int, int>(Categories.Count);
        for (var i = 0; i < Categories.Count; i++)
        {
            if (!_indexById.TryAdd(Categories[i].Id, i))
            {
                throw new ArgumentException($"duplicate category id {Categories[i].Id}", nameof(categories));
            }
        }
    }

    /// <summary>The categories by class index (ascending id).</summary>
    public IReadOnlyList<CocoCategory> Categories { get; }

    /// <summary>C.</summary>
    public int Count => Categories.Count;

    /// <summary>Class index of COCO category <paramref name="categoryId"/>.</summary>
    /// <exception cref="KeyNotFoundException">The id is not one of the categories.</exception>
    public int IndexOf(int categoryId) =>
        _indexById.TryGetValue(categoryId, out var index) ? index : throw new KeyNotFoundException($"unknown category id {categoryId}");

    /// <summary>COCO category id of class <paramref name="classIndex"/>.</summary>
    public int IdOf(int classIndex) => Categories[classIndex].Id;

    public string NameOf(int classIndex) => Categories[classIndex].Name;
}

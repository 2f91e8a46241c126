// Class names of imported models: COCO's 80 with their own ids by default, class_N otherwise, or a --classes file.

using DiMaskDino.Model.Import;
using DiMaskDino.Model.Training;

namespace DiMaskDino.Model.Tests.Import;

public sealed class ImportedCategoriesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dimaskdino-classes-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Eighty_class_models_get_cocos_names_and_ids()
    {
        var categories = ImportedCategories.For(80, null);
        Assert.Equal(new CheckpointCategory(1, "person"), categories[0]);
        Assert.Equal(new CheckpointCategory(13, "stop sign"), categories[11]);
        Assert.Equal(new CheckpointCategory(90, "toothbrush"), categories[79]);
        Assert.Equal(80, categories.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void Other_class_counts_get_numbered_names()
    {
        Assert.Equal([new(1, "class_1"), new(2, "class_2"), new(3, "class_3")], ImportedCategories.For(3, null));
    }

    [Fact]
    public void A_names_file_and_a_coco_categories_list_are_read()
    {
        var lines = Path.Combine(_folder, "names.txt");
        File.WriteAllText(lines, "cat\n\ndog\r\nbird\n");
        Assert.Equal([new(1, "cat"), new(2, "dog"), new(3, "bird")], ImportedCategories.For(3, lines));

        var json = Path.Combine(_folder, "dataset.json");
        File.WriteAllText(json, """{"images": [], "categories": [{"id": 7, "name": "b"}, {"id": 3, "name": "a"}]}""");
        Assert.Equal([new(3, "a"), new(7, "b")], ImportedCategories.For(2, json));
    }

    [Fact]
    public void A_class_count_other_than_the_models_is_an_error_naming_the_file()
    {
        var lines = Path.Combine(_folder, "names.txt");
        File.WriteAllText(lines, "cat\ndog\n");
        var error = Assert.Throws<OfficialCheckpointException>(() => ImportedCategories.For(3, lines));
        Assert.Equal($"{lines}: lists 2 classes, the model has 3", error.Message);
    }
}

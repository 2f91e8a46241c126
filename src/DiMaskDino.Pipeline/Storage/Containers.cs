namespace DiMaskDino.Pipeline.Storage;

/// <summary>The containers of the storage layout (system.md); local mode mirrors each as a folder.</summary>
public static class Containers
{
    public const string Images = "images";
    public const string Models = "models";
    public const string Datasets = "datasets";
    public const string Jobs = "jobs";
    public const string Labels = "labels";
    public const string Reports = "reports";

    public static IReadOnlyList<string> All { get; } = [Images, Models, Datasets, Jobs, Labels, Reports];
}

namespace DiMaskDino.Coco;

/// <summary>A COCO file that cannot be used: names the file, the JSON path and the problem.</summary>
public sealed class CocoFormatException(string file, string jsonPath, string problem, Exception? inner = null)
    : Exception($"{file}: {jsonPath}: {problem}", inner)
{
    public string File { get; } = file;

    public string JsonPath { get; } = jsonPath;

    public string Problem { get; } = problem;
}

using System.Text.Json.Serialization;

namespace DiMaskDino.Pipeline.Checkpoints;

/// <summary>The parts of <c>report.json</c> (DiMaskDino.Reports' EvaluationReport) a comparison reads.</summary>
public sealed record ReportNumbers(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IouTypeNumbers? Bbox,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IouTypeNumbers? Segm);

/// <param name="Stats">pycocotools' 12 numbers, -1 for undefined</param>
public sealed record IouTypeNumbers(IReadOnlyList<double> Stats, IReadOnlyList<string> StatNames, IReadOnlyList<CategoryNumbers> PerCategory);

public sealed record CategoryNumbers(int CategoryId, string Name, double? Ap);

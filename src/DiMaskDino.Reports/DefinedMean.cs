using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Reports;

/// <summary>pycocotools' <c>np.mean(s[s &gt; -1])</c> with "undefined" as null instead of -1.</summary>
internal static class DefinedMean
{
    /// <summary>The defined mean of <paramref name="values"/>; null instead of -1 when nothing is defined. Consumes the list.</summary>
    public static double? Of(List<double> values) => Nullable(NumpyMean.OfDefined(values));

    /// <summary>-1 (pycocotools' "undefined") as null, for every field other than <c>stats</c>.</summary>
    public static double? Nullable(double? value) => value > -1 ? value : null;
}

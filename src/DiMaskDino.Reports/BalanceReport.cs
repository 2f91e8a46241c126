using System.Globalization;
using System.Text.Json.Serialization;

namespace DiMaskDino.Reports;

/// <summary>Which task scores higher: detection (box AP), segmentation (mask AP), or neither.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BalanceLeader>))]
public enum BalanceLeader
{
    [JsonStringEnumMemberName("box")]
    Box,

    [JsonStringEnumMemberName("mask")]
    Mask,

    [JsonStringEnumMemberName("even")]
    Even,
}

/// <summary>One summary metric for both tasks; <see cref="Gap"/> = box − mask, null when either is undefined.</summary>
public sealed record MetricBalance(string Metric, double? Box, double? Mask, double? Gap);

/// <summary>One category's AP (IoU .50:.95, area all) for both tasks; <see cref="Gap"/> = box − mask.</summary>
public sealed record CategoryBalance(int CategoryId, string Name, double? ApBox, double? ApMask, double? Gap);

/// <summary>
/// The detection–segmentation balance: DI-MaskDINO exists to close the gap between its box and mask branches, so
/// the report puts APbox next to APmask overall and per category.
/// </summary>
/// <param name="Ahead">by overall AP; null when either AP is undefined</param>
/// <param name="PerCategory">sorted by gap, largest box lead first; categories with an undefined gap last, then by id</param>
public sealed record BalanceReport(
    BalanceLeader? Ahead,
    string Verdict,
    IReadOnlyList<MetricBalance> Overall,
    int CategoriesBoxAhead,
    int CategoriesMaskAhead,
    int CategoriesEven,
    IReadOnlyList<CategoryBalance> PerCategory)
{
    /// <summary>stats indices compared overall: AP, AP50, AP75, APs, APm, APl.</summary>
    private const int ComparedStats = 6;

    public static BalanceReport Create(IouTypeReport box, IouTypeReport mask)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(mask);

        var overall = new MetricBalance[ComparedStats];
        for (var i = 0; i < overall.Length; i++)
        {
            var (b, s) = (DefinedMean.Nullable(box.Stats[i]), DefinedMean.Nullable(mask.Stats[i]));
            overall[i] = new MetricBalance(box.StatNames[i], b, s, b - s);
        }

        var maskById = mask.PerCategory.ToDictionary(c => c.CategoryId);
        var boxIds = box.PerCategory.Select(c => c.CategoryId).ToHashSet();
        var rows = box.PerCategory
            .Select(c => Row(c.CategoryId, c.Name, c.Ap, maskById.GetValueOrDefault(c.CategoryId)?.Ap))
            .Concat(mask.PerCategory.Where(c => !boxIds.Contains(c.CategoryId)).Select(c => Row(c.CategoryId, c.Name, null, c.Ap)))
            .OrderBy(c => c.Gap is null)
            .ThenByDescending(c => c.Gap ?? 0)
            .ThenBy(c => c.CategoryId)
            .ToList();

        var ahead = Leader(overall[0].Gap);
        int boxAhead = rows.Count(c => c.Gap > 0), maskAhead = rows.Count(c => c.Gap < 0), even = rows.Count(c => c.Gap == 0);
        return new BalanceReport(ahead, Describe(ahead, overall[0], boxAhead, maskAhead, even), overall, boxAhead, maskAhead, even, rows);
    }

    private static CategoryBalance Row(int id, string name, double? box, double? mask) => new(id, name, box, mask, box - mask);

    private static BalanceLeader? Leader(double? gap) => gap switch
    {
        null => null,
        > 0 => BalanceLeader.Box,
        < 0 => BalanceLeader.Mask,
        _ => BalanceLeader.Even,
    };

    private static string Describe(BalanceLeader? ahead, MetricBalance ap, int boxAhead, int maskAhead, int even)
    {
        var inv = CultureInfo.InvariantCulture;
        var compared = boxAhead + maskAhead + even;
        var categories = compared == 0
            ? ""
            : string.Create(inv, $" Per category ({compared} with both defined): box ahead in {boxAhead}, mask ahead in {maskAhead}, even in {even}.");
        return ahead switch
        {
            BalanceLeader.Box => string.Create(inv, $"Detection is ahead: APbox {ap.Box:F3} vs APmask {ap.Mask:F3} (gap {ap.Gap:+0.000;-0.000}).{categories}"),
            BalanceLeader.Mask => string.Create(inv, $"Segmentation is ahead: APmask {ap.Mask:F3} vs APbox {ap.Box:F3} (gap {ap.Gap:+0.000;-0.000}).{categories}"),
            BalanceLeader.Even => string.Create(inv, $"Detection and segmentation are even: APbox = APmask = {ap.Box:F3}.{categories}"),
            _ => "Undefined: AP is undefined for at least one of box and mask (no ground truth to score)." + categories,
        };
    }
}

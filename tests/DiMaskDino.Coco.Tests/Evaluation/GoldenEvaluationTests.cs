using System.Text.Json;
using DiMaskDino.Coco.Evaluation;

namespace DiMaskDino.Coco.Tests.Evaluation;

/// <summary>COCOeval against pycocotools 2.0.11 on every golden case, for boxes and masks.</summary>
public sealed class GoldenEvaluationTests
{
    private const double StatTolerance = 1e-12;
    private const double ArrayTolerance = 1e-10;
    private const double IouTolerance = 1e-11;

    public static TheoryData<string, IouType> Cases()
    {
        var data = new TheoryData<string, IouType>();
        foreach (var name in GoldenCase.Names())
        {
            data.Add(name, IouType.Bbox);
            data.Add(name, IouType.Segm);
        }

        return data;
    }

    private static (GoldenCase Case, JsonElement Expected, CocoEvaluation Actual) Run(string name, IouType type)
    {
        var golden = GoldenCase.Load(name);
        var gt = CocoFiles.ReadDataset(golden.GroundTruthPath);
        var dt = CocoFiles.ReadDetections(golden.DetectionsPath, gt);
        var parameters = new CocoEvalParameters { IouType = type, UseCategories = golden.UseCategories };
        var actual = CocoEvaluator.Evaluate(gt, dt, parameters, new CocoEvaluatorOptions { KeepImageRecords = true });
        return (golden, golden.Results(type), actual);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stats_and_summary_text_equal_pycocotools(string name, IouType type)
    {
        var (_, expected, actual) = Run(name, type);
        var stats = expected.GetProperty("stats").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(12, actual.Stats.Count);
        for (var i = 0; i < 12; i++)
        {
            Assert.True(Math.Abs(stats[i] - actual.Stats[i]) <= StatTolerance, $"stats[{i}] ({CocoEvaluation.StatNames[i]}): expected {stats[i]:R}, got {actual.Stats[i]:R}");
        }

        Assert.Equal(expected.GetProperty("summary_text").GetString(), actual.SummaryText);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parameters_equal_pycocotools(string name, IouType type)
    {
        var (golden, _, actual) = Run(name, type);
        var p = golden.Golden.GetProperty("params");
        Assert.Equal(p.GetProperty("iouThrs").EnumerateArray().Select(e => e.GetDouble()), actual.Parameters.IouThresholds);
        Assert.Equal(p.GetProperty("recThrs").EnumerateArray().Select(e => e.GetDouble()), actual.Parameters.RecallThresholds);
        Assert.Equal(p.GetProperty("imgIds").EnumerateArray().Select(e => e.GetInt64()), actual.ImageIds);
        Assert.Equal(p.GetProperty("catIds").EnumerateArray().Select(e => e.GetInt32()), actual.CategoryIds);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Precision_recall_and_scores_arrays_equal_pycocotools(string name, IouType type)
    {
        var (_, expected, actual) = Run(name, type);
        AssertArray(expected.GetProperty("precision"), actual.Arrays.Precision, [actual.Arrays.T, actual.Arrays.R, actual.Arrays.K, actual.Arrays.A, actual.Arrays.M], "precision");
        AssertArray(expected.GetProperty("scores"), actual.Arrays.Scores, [actual.Arrays.T, actual.Arrays.R, actual.Arrays.K, actual.Arrays.A, actual.Arrays.M], "scores");
        AssertArray(expected.GetProperty("recall"), actual.Arrays.Recall, [actual.Arrays.T, actual.Arrays.K, actual.Arrays.A, actual.Arrays.M], "recall");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Per_category_rows_equal_pycocotools(string name, IouType type)
    {
        var (_, expected, actual) = Run(name, type);
        var rows = expected.GetProperty("per_category").EnumerateArray().ToArray();
        Assert.Equal(rows.Length, actual.PerCategory.Count);
        for (var k = 0; k < rows.Length; k++)
        {
            var row = rows[k];
            var mine = actual.PerCategory[k];
            Assert.Equal(row.GetProperty("category_id").GetInt32(), mine.CategoryId);
            foreach (var area in mine.Areas)
            {
                AssertClose(row.GetProperty("AP_" + area.Area).GetDouble(), area.Ap, StatTolerance, $"category {mine.CategoryId} AP_{area.Area}");
                AssertClose(row.GetProperty("AP50_" + area.Area).GetDouble(), area.Ap50, StatTolerance, $"category {mine.CategoryId} AP50_{area.Area}");
                AssertClose(row.GetProperty("AR100_" + area.Area).GetDouble(), area.Ar, StatTolerance, $"category {mine.CategoryId} AR100_{area.Area}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Per_image_records_equal_pycocotools(string name, IouType type)
    {
        var (_, expected, actual) = Run(name, type);
        var records = expected.GetProperty("eval_imgs_area_all").EnumerateArray().ToArray();
        Assert.NotNull(actual.ImageRecords);
        Assert.Equal(records.Length, actual.ImageRecords!.Count);
        for (var n = 0; n < records.Length; n++)
        {
            var e = records[n];
            var a = actual.ImageRecords[n];
            var where = $"record {n} (image {a.ImageId}, category {a.CategoryId})";
            Assert.Equal(e.GetProperty("image_id").GetInt64(), a.ImageId);
            Assert.Equal(e.GetProperty("category_id").GetInt32(), a.CategoryId);
            Assert.Equal(Longs(e.GetProperty("dtIds")), a.DetectionIds);
            Assert.Equal(Longs(e.GetProperty("gtIds")), a.GroundTruthIds);
            Assert.Equal(e.GetProperty("dtScores").EnumerateArray().Select(x => x.GetDouble()), a.DetectionScores);
            Assert.True(Rows(e.GetProperty("dtMatches")).SequenceEqual(a.DetectionMatches, RowComparer.Instance), where + " dtMatches");
            Assert.True(Rows(e.GetProperty("gtMatches")).SequenceEqual(a.GroundTruthMatches, RowComparer.Instance), where + " gtMatches");
            Assert.True(Rows(e.GetProperty("dtIgnore")).SequenceEqual(a.DetectionIgnore.Select(r => r.Select(b => b ? 1L : 0L).ToArray()), RowComparer.Instance), where + " dtIgnore");
            Assert.Equal(Longs(e.GetProperty("gtIgnore")), a.GroundTruthIgnore.Select(b => b ? 1L : 0L));
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Iou_matrices_equal_pycocotools(string name, IouType type)
    {
        var (_, expected, actual) = Run(name, type);
        var mine = actual.ImageRecords!.Where(r => r.Ious.Length > 0).ToDictionary(r => (r.ImageId, r.CategoryId));
        var records = expected.GetProperty("ious").EnumerateArray().ToArray();
        Assert.Equal(records.Length, mine.Count);
        foreach (var record in records)
        {
            var key = (record.GetProperty("image_id").GetInt64(), record.GetProperty("category_id").GetInt32());
            var ious = mine[key].Ious;
            var rows = record.GetProperty("iou").EnumerateArray().ToArray();
            Assert.Equal(rows.Length, ious.Length);
            for (var d = 0; d < rows.Length; d++)
            {
                var columns = rows[d].EnumerateArray().Select(x => x.GetDouble()).ToArray();
                Assert.Equal(columns.Length, ious[d].Length);
                for (var g = 0; g < columns.Length; g++)
                {
                    AssertClose(columns[g], ious[d][g], IouTolerance, $"iou {key} [{d}][{g}]");
                }
            }
        }
    }

    private static void AssertArray(JsonElement expected, double[] actual, int[] shape, string what)
    {
        Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), shape);
        var flat = new List<double>(actual.Length);
        Flatten(expected.GetProperty("data"), flat);
        Assert.Equal(flat.Count, actual.Length);
        for (var i = 0; i < flat.Count; i++)
        {
            AssertClose(flat[i], actual[i], ArrayTolerance, $"{what}[{i}]");
        }
    }

    private static void Flatten(JsonElement element, List<double> into)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in element.EnumerateArray())
            {
                Flatten(child, into);
            }
        }
        else
        {
            into.Add(element.GetDouble());
        }
    }

    private static void AssertClose(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");

    private static long[] Longs(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt64())];

    private static long[][] Rows(JsonElement array) => [.. array.EnumerateArray().Select(Longs)];

    private sealed class RowComparer : IEqualityComparer<long[]>
    {
        public static readonly RowComparer Instance = new();

        public bool Equals(long[]? x, long[]? y) => x!.SequenceEqual(y!);

        public int GetHashCode(long[] obj) => obj.Length;
    }
}

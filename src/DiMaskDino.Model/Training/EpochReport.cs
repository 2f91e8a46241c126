using System.Globalization;
using DiMaskDino.Model.Evaluation;

namespace DiMaskDino.Model.Training;

/// <summary>Mean losses of an epoch's logged steps.</summary>
internal sealed class EpochLosses
{
    private readonly Dictionary<string, double> _terms = new(StringComparer.Ordinal);
    private double _total;
    private int _count;

    public void Add(double total, IReadOnlyList<(string Term, double Value)> main)
    {
        _total += total;
        _count++;
        foreach (var (term, value) in main)
        {
            _terms[term] = _terms.GetValueOrDefault(term) + value;
        }
    }

    public string Describe() => _count == 0
        ? "no logged step"
        : string.Create(CultureInfo.InvariantCulture, $"loss {_total / _count:F3} (") + string.Join(' ', _terms.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value / _count:F3}"))) + ")";
}

/// <summary>The one line every epoch ends with, like detectron2's and YOLO's: losses, AP and layer-0 AP.</summary>
internal static class EpochReport
{
    public const string LayerZero = "layer 0";

    public static string Line(int epoch, int epochs, int iteration, int total, TimeSpan elapsed, EpochLosses losses, ValidationResult? validation)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{epochs} iteration {iteration}/{total} ({elapsed.TotalMinutes:F1} min): {losses.Describe()}");
        if (validation is null)
        {
            return line;
        }

        line += string.Create(CultureInfo.InvariantCulture, $"; APbox {100 * validation.ApBox:F1} APmask {100 * validation.ApMask:F1}");
        return validation.PerLayer.FirstOrDefault(l => l.Layer == LayerZero) is { } layer0
            ? line + string.Create(CultureInfo.InvariantCulture, $"; layer 0 APbox {100 * layer0.ApBox:F1} APmask {100 * layer0.ApMask:F1}")
            : line;
    }
}

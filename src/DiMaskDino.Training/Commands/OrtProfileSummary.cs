// Reads an ONNX Runtime profile (SessionOptions.EnableProfiling: a JSON array of trace events, one "Node" event per
// kernel run with its duration in µs and its op type) and totals it per op type and per node, to find what a forward
// spends its time on (docs/benchmarks.md, "Paper-size forward").

using System.Text.Json;

namespace DiMaskDino.Training.Commands;

/// <summary>Kernel time per op type and per node over the runs a profile holds.</summary>
internal sealed record OrtProfileSummary(
    IReadOnlyList<(string OpType, double Milliseconds, int Calls)> ByOpType,
    IReadOnlyList<(string Node, string OpType, double Milliseconds)> ByNode,
    double TotalMilliseconds)
{
    /// <param name="path">the file <c>InferenceSession.EndProfiling</c> returned</param>
    public static OrtProfileSummary Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var byOp = new Dictionary<string, (double Us, int Calls)>(StringComparer.Ordinal);
        var byNode = new Dictionary<string, (string Op, double Us)>(StringComparer.Ordinal);
        foreach (var e in document.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || !e.TryGetProperty("args", out var args)
                || !args.TryGetProperty("op_name", out var op) || !e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                continue;
            }

            var name = e.GetProperty("name").GetString()![..^"_kernel_time".Length];
            double us = e.GetProperty("dur").GetDouble();
            var opType = op.GetString()!;
            var (total, calls) = byOp.GetValueOrDefault(opType);
            byOp[opType] = (total + us, calls + 1);
            byNode[name] = (opType, byNode.GetValueOrDefault(name).Us + us);
        }

        return new OrtProfileSummary(
            [.. byOp.OrderByDescending(p => p.Value.Us).Select(p => (p.Key, p.Value.Us / 1000, p.Value.Calls))],
            [.. byNode.OrderByDescending(p => p.Value.Us).Select(p => (p.Key, p.Value.Op, p.Value.Us / 1000))],
            byOp.Values.Sum(v => v.Us) / 1000);
    }
}

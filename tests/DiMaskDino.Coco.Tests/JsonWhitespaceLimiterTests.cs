using System.Text;
using DiMaskDino.Coco.Json;

namespace DiMaskDino.Coco.Tests;

/// <summary>
/// The limiter passes JSON through unchanged except that whitespace runs outside strings stop at
/// <see cref="JsonWhitespaceLimiter.MaxRun"/> bytes: checked against a byte-at-a-time reference on generated input
/// (strings with escaped quotes and backslashes, whitespace inside strings, runs around the limit), read through
/// buffers of many sizes so every state crosses a read boundary.
/// </summary>
public sealed class JsonWhitespaceLimiterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 4096)]
    [InlineData(4, 65536)]
    [InlineData(5, 100_003)]
    public void Output_is_the_input_with_whitespace_runs_outside_strings_cut_at_the_limit(int seed, int readSize)
    {
        var input = Generate(new Random(seed));

        using var limiter = new JsonWhitespaceLimiter(new MemoryStream(input));
        var output = new MemoryStream();
        var buffer = new byte[readSize];
        int read;
        while ((read = limiter.Read(buffer, 0, buffer.Length)) > 0)
        {
            output.Write(buffer, 0, read);
        }

        var expected = Reference(input, out var droppedNewlines);
        Assert.True(expected.AsSpan().SequenceEqual(output.ToArray()), $"seed {seed}, reads of {readSize}: output differs from the reference");
        Assert.True(droppedNewlines > 0, "the generated input should have runs long enough to cut newlines");
    }

    [Fact]
    public void Lines_after_a_cut_run_are_mapped_back_to_the_original_file()
    {
        // Line 0: "[1,", then 10,000 newlines (the limit keeps 4,096 of them), then "2]" on original line 10,000.
        var input = Encoding.UTF8.GetBytes("[1," + new string('\n', 10_000) + "2]");
        using var limiter = new JsonWhitespaceLimiter(new MemoryStream(input));
        var output = new StreamReader(limiter).ReadToEnd();

        var emittedLine = output.Count(c => c == '\n');
        Assert.Equal(JsonWhitespaceLimiter.MaxRun, emittedLine);
        Assert.Equal(10_000, limiter.OriginalLine(emittedLine));
        Assert.Equal(0, limiter.OriginalLine(0));
    }

    private static byte[] Generate(Random random)
    {
        var text = new StringBuilder();
        for (var i = 0; i < 400; i++)
        {
            switch (random.Next(6))
            {
                case 0:
                    text.Append("\"a \\\" b\\\\\" : ");
                    break;
                case 1:
                    text.Append('"').Append(' ', random.Next(0, 9000)).Append("\\\\\"");
                    break;
                case 2:
                    AppendRun(text, random, random.Next(1, JsonWhitespaceLimiter.MaxRun + 2));
                    break;
                case 3:
                    AppendRun(text, random, random.Next(JsonWhitespaceLimiter.MaxRun, 20_000));
                    break;
                case 4:
                    text.Append("{\"k\":[1,2.5e3,true,null]}");
                    break;
                default:
                    text.Append("\"\\\\\",");
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static void AppendRun(StringBuilder text, Random random, int length)
    {
        for (var i = 0; i < length; i++)
        {
            text.Append(" \t\r\n"[random.Next(4)]);
        }
    }

    private static byte[] Reference(byte[] input, out int droppedNewlines)
    {
        var output = new List<byte>(input.Length);
        bool inString = false, escaped = false;
        var run = 0;
        droppedNewlines = 0;
        foreach (var b in input)
        {
            if (inString)
            {
                output.Add(b);
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == '\\')
                {
                    escaped = true;
                }
                else if (b == '"')
                {
                    inString = false;
                }
            }
            else if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                if (++run <= JsonWhitespaceLimiter.MaxRun)
                {
                    output.Add(b);
                }
                else if (b == '\n')
                {
                    droppedNewlines++;
                }
            }
            else
            {
                run = 0;
                inString = b == '"';
                output.Add(b);
            }
        }

        return [.. output];
    }
}

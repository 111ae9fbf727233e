using System.Globalization;
using System.Text.Json;

namespace ViralForge.Core.Sheets;

/// <summary>
/// A tab read as a table: the first row names the columns (any order, any case), each later row is
/// read by name. Cells come as the API gives them; formulas come as their text ("=…") and are refused.
/// </summary>
public sealed class SheetTable
{
    private readonly Dictionary<string, int> _columns;

    private SheetTable(string tab, Dictionary<string, int> columns, IReadOnlyList<IReadOnlyList<JsonElement>> rows)
    {
        Tab = tab;
        _columns = columns;
        Rows = rows;
    }

    public string Tab { get; }

    /// <summary>Data rows; row i is sheet row i + 2 (after the header).</summary>
    public IReadOnlyList<IReadOnlyList<JsonElement>> Rows { get; }

    public static SheetTable Read(string tab, SheetRange range)
    {
        var header = range.Rows.Count > 0 ? range.Rows[0] : [];
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++)
        {
            if (header[i].ValueKind == JsonValueKind.String && header[i].GetString()!.Trim() is { Length: > 0 } name)
            {
                columns.TryAdd(name, i);
            }
        }
        return new SheetTable(tab, columns, range.Rows.Skip(1).ToList());
    }

    public bool Has(string column) => _columns.ContainsKey(column);

    public IReadOnlyList<string> Missing(params string[] required) => required.Where(c => !Has(c)).ToList();

    /// <summary>The column's letter (A, B, … AA) for writing back.</summary>
    public string Letter(string column) => ColumnLetter(_columns[column]);

    public static int SheetRow(int dataIndex) => dataIndex + 2;

    public JsonElement? Cell(int dataIndex, string column) =>
        _columns.TryGetValue(column, out var c) && c < Rows[dataIndex].Count ? Rows[dataIndex][c] : null;

    /// <summary>The cell as text ("" when empty), as the sheet shows it.</summary>
    public string Text(int dataIndex, string column) => Cell(dataIndex, column) is { } cell ? AsText(cell) : "";

    public bool IsEmpty(int dataIndex) => Rows[dataIndex].All(c => AsText(c).Trim().Length == 0);

    public int LastUsedRow => Rows.Count + 1;

    public static string AsText(JsonElement cell) => cell.ValueKind switch
    {
        JsonValueKind.String => cell.GetString() ?? "",
        JsonValueKind.Number => cell.GetRawText(),
        JsonValueKind.True => "TRUE",
        JsonValueKind.False => "FALSE",
        _ => "",
    };

    public static string ColumnLetter(int index)
    {
        var letters = "";
        for (var n = index + 1; n > 0; n = (n - 1) / 26)
        {
            letters = (char)('A' + (n - 1) % 26) + letters;
        }
        return letters;
    }

    /// <summary>A1 range of one cell on this tab, quoted so any tab name works.</summary>
    public string CellRange(string column, int sheetRow) => $"'{Tab.Replace("'", "''", StringComparison.Ordinal)}'!{Letter(column)}{sheetRow.ToString(CultureInfo.InvariantCulture)}";
}

import Foundation

/// Small SVG charts for the report, written as inline markup that needs no script, font or
/// file from outside.
public enum SVG {
    /// One line of a chart: points in data units, with optional error bars (low, high).
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var intervals: [(low: Double, high: Double)]?

        public init(name: String, points: [(x: Double, y: Double)], intervals: [(low: Double, high: Double)]? = nil) {
            self.name = name
            self.points = points
            self.intervals = intervals
        }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// Draws a line chart with axes, ticks, a legend and optional interval bars. `logX` puts x on a
    /// base-10 log scale (for real-data fractions).
    public static func lineChart(title: String, xLabel: String, yLabel: String, series: [Series],
                                 logX: Bool = false, integerX: Bool = false, width: Int = 560,
                                 height: Int = 340) -> String {
        let left = 64.0, right = 150.0, top = 34.0, bottom = 48.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let xs = series.flatMap { $0.points.map(\.x) }.filter { !logX || $0 > 0 }
        var ys = series.flatMap { $0.points.map(\.y) }
        ys += series.flatMap { $0.intervals?.flatMap { [$0.low, $0.high] } ?? [] }
        ys = ys.filter(\.isFinite)
        guard let xMinRaw = xs.min(), let xMaxRaw = xs.max(), let yMinRaw = ys.min(), let yMaxRaw = ys.max() else {
            return emptyChart(title: title, width: width, height: height)
        }
        func tx(_ x: Double) -> Double { logX ? log10(x) : x }
        var (x0, x1) = (tx(xMinRaw), tx(xMaxRaw))
        if x0 == x1 { x0 -= 0.5; x1 += 0.5 }
        var (y0, y1) = (yMinRaw, yMaxRaw)
        let pad = Swift.max((y1 - y0) * 0.08, 1e-6)
        y0 -= pad
        y1 += pad
        func px(_ x: Double) -> Double { left + (tx(x) - x0) / (x1 - x0) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * plotHeight }

        var svg = header(width: width, height: height, title: title)
        svg += ##"<rect x="\##(left)" y="\##(top)" width="\##(plotWidth)" height="\##(plotHeight)" fill="none" stroke="#999"/>"##
        let yTicks = ticks(y0, y1)
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 0
        for tick in yTicks {
            let y = py(tick)
            svg += ##"<line x1="\##(left)" y1="\##(f(y))" x2="\##(left + plotWidth)" y2="\##(f(y))" stroke="#eee"/>"##
            svg += ##"<text x="\##(left - 6)" y="\##(f(y + 4))" text-anchor="end" font-size="11">\##(label(tick, step: yStep))</text>"##
        }
        var xTicks = logX ? Array(Set(xs)).sorted() : ticks(x0, x1)
        if integerX { xTicks = xTicks.filter { $0 == $0.rounded() } }
        for tick in xTicks {
            let x = px(tick)
            svg += ##"<line x1="\##(f(x))" y1="\##(top + plotHeight)" x2="\##(f(x))" y2="\##(top + plotHeight + 5)" stroke="#666"/>"##
            svg += ##"<text x="\##(f(x))" y="\##(top + plotHeight + 18)" text-anchor="middle" font-size="11">\##(label(tick))</text>"##
        }
        svg += ##"<text x="\##(left + plotWidth / 2)" y="\##(Double(height) - 8)" text-anchor="middle" font-size="12">\##(escape(xLabel))</text>"##
        svg += ##"<text x="14" y="\##(top + plotHeight / 2)" text-anchor="middle" font-size="12" transform="rotate(-90 14 \##(top + plotHeight / 2))">\##(escape(yLabel))</text>"##

        for (index, line) in series.enumerated() {
            let colour = palette[index % palette.count]
            let points = line.points.filter { (!logX || $0.x > 0) && $0.y.isFinite }
            let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += ##"<polyline fill="none" stroke="\##(colour)" stroke-width="2" points="\##(path)"/>"##
            for point in points {
                svg += ##"<circle cx="\##(f(px(point.x)))" cy="\##(f(py(point.y)))" r="3" fill="\##(colour)"/>"##
            }
            if let intervals = line.intervals {
                for (point, interval) in zip(line.points, intervals) where interval.low.isFinite && interval.high.isFinite {
                    let x = f(px(point.x))
                    svg += ##"<line x1="\##(x)" y1="\##(f(py(interval.low)))" x2="\##(x)" y2="\##(f(py(interval.high)))" stroke="\##(colour)" stroke-width="1.5"/>"##
                }
            }
            let legendY = top + 14 + Double(index) * 18
            svg += ##"<rect x="\##(left + plotWidth + 12)" y="\##(legendY - 9)" width="12" height="12" fill="\##(colour)"/>"##
            svg += ##"<text x="\##(left + plotWidth + 30)" y="\##(legendY + 1)" font-size="12">\##(escape(line.name))</text>"##
        }
        return svg + "</svg>"
    }

    /// Draws a heat map of a count or rate matrix with row and column labels and the value in
    /// each cell.
    public static func heatMap(title: String, rows: [String], columns: [String], values: [[Double]],
                               rowAxis: String, columnAxis: String, cell: Int = 34) -> String {
        let left = 110.0, top = 70.0
        let width = Int(left) + columns.count * cell + 20
        let height = Int(top) + rows.count * cell + 30
        let maximum = values.flatMap { $0 }.filter(\.isFinite).max() ?? 1
        var svg = header(width: width, height: height, title: title)
        for (column, name) in columns.enumerated() {
            let x = left + Double(column * cell) + Double(cell) / 2
            svg += ##"<text x="\##(f(x))" y="\##(top - 6)" font-size="10" text-anchor="start" transform="rotate(-45 \##(f(x)) \##(top - 6))">\##(escape(name))</text>"##
        }
        svg += ##"<text x="\##(left)" y="\##(Double(height) - 8)" font-size="11">rows: \##(escape(rowAxis)); columns: \##(escape(columnAxis))</text>"##
        for (row, name) in rows.enumerated() {
            let y = top + Double(row * cell)
            svg += ##"<text x="\##(left - 6)" y="\##(f(y + Double(cell) / 2 + 4))" font-size="11" text-anchor="end">\##(escape(name))</text>"##
            for column in columns.indices {
                let value = row < values.count && column < values[row].count ? values[row][column] : .nan
                let shade = maximum > 0 && value.isFinite ? value / maximum : 0
                let x = left + Double(column * cell)
                svg += ##"<rect x="\##(f(x))" y="\##(f(y))" width="\##(cell)" height="\##(cell)" fill="\##(blue(shade))" stroke="#fff"/>"##
                let text = value.isFinite ? label(value) : ""
                let ink = shade > 0.55 ? "#fff" : "#222"
                svg += ##"<text x="\##(f(x + Double(cell) / 2))" y="\##(f(y + Double(cell) / 2 + 4))" font-size="10" text-anchor="middle" fill="\##(ink)">\##(text)</text>"##
            }
        }
        return svg + "</svg>"
    }

    // MARK: - Helpers

    static func header(width: Int, height: Int, title: String) -> String {
        ##"<svg width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" role="img" aria-label="\##(escape(title))" font-family="sans-serif">"##
            + ##"<text x="\##(width / 2)" y="18" text-anchor="middle" font-size="14" font-weight="bold">\##(escape(title))</text>"##
    }

    static func emptyChart(title: String, width: Int, height: Int) -> String {
        header(width: width, height: height, title: title)
            + ##"<text x="\##(width / 2)" y="\##(height / 2)" text-anchor="middle" font-size="12">no data</text></svg>"##
    }

    /// About five round tick values covering [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        let span = high - low
        guard span > 0, span.isFinite else { return [low] }
        let raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var values: [Double] = []
        var tick = ceil(low / step) * step
        while tick <= high + step * 1e-9 {
            values.append(tick)
            tick += step
        }
        return values
    }

    /// Formats a tick label with enough decimals to tell ticks `step` apart.
    static func label(_ value: Double, step: Double) -> String {
        guard step > 0, step.isFinite, value.isFinite else { return label(value) }
        let decimals = Swift.max(0, Swift.min(8, Int(ceil(-log10(step) - 1e-9)) + (step / pow(10, floor(log10(step))) == 2.5 ? 1 : 0)))
        return String(format: "%.\(decimals)f", value)
    }

    static func label(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e6 { return String(Int(value)) }
        let magnitude = abs(value)
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        if magnitude >= 0.001 { return String(format: "%.3f", value) }
        return String(format: "%.1e", value)
    }

    static func blue(_ shade: Double) -> String {
        let t = Swift.min(1, Swift.max(0, shade))
        let r = Int(247 - t * (247 - 8)), g = Int(251 - t * (251 - 48)), b = Int(255 - t * (255 - 107))
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Escapes text for HTML and SVG.
    public static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}

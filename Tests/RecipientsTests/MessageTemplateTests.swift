import Testing
@testable import Recipients

@Suite("Message templates")
struct MessageTemplateTests {
    let header = ["phone", " Name ", "code"]

    @Test func rendersPlaceholders() throws {
        let template = try MessageTemplate("Hello {{name}}, your code is {{ CODE }}.", header: header)
        #expect(template.isPersonalised)
        #expect(template.placeholderColumns == [1, 2])
        #expect(template.render(["1", " Ana ", "0042"]) == .success("Hello Ana, your code is 0042."))
    }

    @Test func plainTextIsNotPersonalised() throws {
        let template = try MessageTemplate("Promo today only } {", header: header)
        #expect(!template.isPersonalised)
        #expect(template.placeholderColumns.isEmpty)
        #expect(template.render([]) == .success("Promo today only } {"))
    }

    @Test func defaultsFillEmptyCells() throws {
        let template = try MessageTemplate("Hi {{name|there}}! {{ name | dear customer }}", header: header)
        #expect(template.render(["1", "  ", "x"]) == .success("Hi there! dear customer"))
        #expect(template.render(["1"]) == .success("Hi there! dear customer"))
        #expect(template.render(["1", "Rui", "x"]) == .success("Hi Rui! Rui"))
        #expect(try MessageTemplate("{{name|}}.", header: header).render(["1", "", ""]) == .success("."))
    }

    @Test func emptyCellWithoutDefaultFailsTheRow() throws {
        let template = try MessageTemplate("Code {{code}}", header: header)
        let result = template.render(["1", "Ana", "\u{00A0} "])
        #expect(result == .failure(.emptyValue(column: "code")))
        if case .failure(let error) = result { #expect(error.reason.contains("\"code\"")) }
    }

    @Test func unknownColumnNamesItAndListsColumns() {
        #expect(throws: TemplateError.unknownColumn(name: "nmae", available: ["phone", "Name", "code"], suggestion: "Name")) {
            try MessageTemplate("Hi {{nmae}}", header: header)
        }
        do {
            _ = try MessageTemplate("Hi {{zzzzzz}}", header: header)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("zzzzzz"))
            #expect(error.description.contains("phone, Name, code"))
        }
    }

    @Test func unclosedAndEmptyPlaceholders() {
        #expect(throws: TemplateError.unclosedPlaceholder(offset: 3)) { try MessageTemplate("Hi {{name", header: header) }
        #expect(throws: TemplateError.unclosedPlaceholder(offset: 0)) { try MessageTemplate("{{name {{code}}", header: header) }
        #expect(throws: TemplateError.emptyPlaceholder(offset: 1)) { try MessageTemplate("é{{ }}", header: header) }
        #expect(throws: TemplateError.emptyPlaceholder(offset: 0)) { try MessageTemplate("{{|x}}", header: header) }
    }

    @Test func edgeSizes() throws {
        #expect(try MessageTemplate("{{name|}}", header: header).render(["1", " "]) == .success(""))
        #expect(try MessageTemplate("{{name}}", header: header).render(["1", "\u{00A0}Ana Maria\u{00A0}"]) == .success("Ana Maria"))
        let long = String(repeating: "ç", count: 500)
        #expect(try MessageTemplate("<{{code}}>", header: header).render(["", "", long]) == .success("<\(long)>"))
        let bridged = "x" + String(repeating: "é", count: 20).lowercased()
        #expect(try MessageTemplate("{{phone}}{{phone}}", header: header).render([bridged]) == .success(bridged + bridged))
    }

    @Test func unicodeLiteralsSurvive() throws {
        let template = try MessageTemplate("Olá {{name}} 🇦🇴 — {{code}}€", header: header)
        #expect(template.render(["", "José", "7"]) == .success("Olá José 🇦🇴 — 7€"))
    }
}

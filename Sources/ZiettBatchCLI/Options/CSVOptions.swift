import ArgumentParser

/// How to read a recipients CSV: `--country`, `--phone-column`, `--delimiter`, `--suppress`, shared by `run`
/// and `validate` so that both read a file the same way.
struct CSVOptions: ParsableArguments {
    @Option(help: "Default ISO 3166 alpha-2 country for numbers without a country code, e.g. AO.")
    var country: String?

    @Option(help: "The header of the phone column (default: the first of phone, msisdn, mobile, number, telefone, telemovel, celular, e164, to, recipient).")
    var phoneColumn: String?

    @Option(help: "Field delimiter (default: auto).")
    var delimiter: CSVDelimiter?

    @Option(help: "A suppression list: one number per line, or a CSV with a phone column. Matches are not sent.")
    var suppress: String?

    /// Checks the values; `run` calls it again once a job file filled the gaps.
    func validate() throws {
        if let country, country.count != 2 { throw ValidationError("--country takes an ISO 3166 alpha-2 code such as AO") }
    }

    /// Takes each option the command line did not set from the job file.
    mutating func apply(_ file: JobFile) {
        if country == nil { country = file.strings["country"] }
        if phoneColumn == nil { phoneColumn = file.strings["phone-column"] }
        if delimiter == nil { delimiter = file.strings["delimiter"].flatMap(CSVDelimiter.init(argument:)) }
        if suppress == nil { suppress = file.strings["suppress"] }
    }

    /// The country in upper case, as the job stores it.
    var region: String? { country?.uppercased() }
}

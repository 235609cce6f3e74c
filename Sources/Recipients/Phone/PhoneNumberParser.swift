/// Parses and validates phone numbers like libphonenumber's `parse` + `is_valid_number`, producing E.164.
///
/// Uses the embedded metadata generated from libphonenumber (see
/// `scripts/gen-phone-metadata.py`); no regular expressions run at parse time.
/// A value type holding one shared reference: cheap to copy, safe to share
/// across tasks.
public struct PhoneNumberParser: Sendable {
    let metadata: PhoneMetadata

    /// A parser over the embedded metadata (decoded once, at first use, process-wide).
    public init() {
        self.metadata = PhoneMetadata.shared
    }

    /// Version of the python `phonenumbers` (libphonenumber port) the metadata comes from, e.g. "9.0.43".
    public static var metadataVersion: String { PhoneMetadata.sourceVersion }

    /// True when `alpha2` ("AO", "pt"; case-insensitive) is a region the metadata knows.
    public func isKnownRegion(_ alpha2: String) -> Bool {
        metadata.regionIndex(alpha2: alpha2.utf8) != nil
    }

    /// Calling code of a known region ("AO" -> 244), nil when unknown.
    public func callingCode(forRegion alpha2: String) -> Int? {
        metadata.regionIndex(alpha2: alpha2.utf8).map { metadata.regions[$0].callingCode }
    }

    /// Parse like libphonenumber's parse(text, defaultRegion) + is_valid_number, returning E.164.
    ///
    /// `defaultRegion` is used for numbers written without `+` or an
    /// international prefix; it is ignored otherwise. Extensions are dropped.
    public func parse(_ text: String, defaultRegion: String?) -> Result<E164Number, PhoneRejection> {
        var text = text
        return text.withUTF8 { parse(utf8: $0, defaultRegion: defaultRegion) }
    }

    /// Same as `parse(_:defaultRegion:)`, on raw UTF-8 bytes (what the CSV reader has).
    ///
    /// Invalid UTF-8 sequences count as non-phone characters.
    public func parse(utf8: UnsafeBufferPointer<UInt8>, defaultRegion: String?) -> Result<E164Number, PhoneRejection> {
        parseTyped(utf8: utf8, defaultRegion: defaultRegion).map(\.number)
    }

    /// A valid number and its type, decided together.
    public struct TypedNumber: Sendable, Equatable {
        /// The number in E.164.
        public var number: E164Number
        /// libphonenumber's `number_type` (a valid number always has one).
        public var type: PhoneNumberType
    }

    /// Same as `parse(_:defaultRegion:)`, with the number's type (libphonenumber's `number_type`) at no
    /// extra cost: the walk that decides validity decides the type.
    public func parseTyped(_ text: String, defaultRegion: String?) -> Result<TypedNumber, PhoneRejection> {
        var text = text
        return text.withUTF8 { parseTyped(utf8: $0, defaultRegion: defaultRegion) }
    }

    /// `parseTyped(_:defaultRegion:)` on raw UTF-8 bytes.
    public func parseTyped(utf8: UnsafeBufferPointer<UInt8>, defaultRegion: String?) -> Result<TypedNumber, PhoneRejection> {
        let region = defaultRegion.flatMap { metadata.regionIndex(alpha2: $0.utf8) }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: PhoneParsePipeline.scratchSize) { scratch in
            var pipeline = PhoneParsePipeline(metadata: metadata, scratch: scratch)
            return pipeline.run(utf8, region: region)
        }
    }
}

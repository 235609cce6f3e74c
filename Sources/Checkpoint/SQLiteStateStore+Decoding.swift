import Foundation

extension SQLiteStateStore {
    /// A stored enum value, or a `StateStoreError` naming it: an unknown value is never read as a default.
    func decode<Value: RawRepresentable>(
        _ text: String, table: String, column: String, jobID: Int64
    ) throws(StateStoreError) -> Value where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            throw StateStoreError(.unknownValue(table: table, column: column, value: text, jobID: jobID), path: path)
        }
        return value
    }

    /// A stored JSON value, or a `StateStoreError` naming the column that does not decode.
    func decodeJSON<Value: Decodable>(
        _ type: Value.Type, _ text: String, table: String, column: String, jobID: Int64
    ) throws(StateStoreError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            let reason = "not \(Value.self) as JSON: \(text.prefix(80))"
            throw StateStoreError(.undecodable(table: table, column: column, jobID: jobID, reason: reason), path: path)
        }
    }
}

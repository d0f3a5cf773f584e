//! One conversion of a stored GLB (see `trellis_convert`), with its report
//! in the wire's words.

use trellis_api::{ArReport, ConversionReport, ConversionRequest, DccReport};
use trellis_convert::{ConvertError, StlOptions, UsdzOptions};

/// A converted file and what the conversion found.
#[derive(Debug)]
pub struct Made {
    pub bytes: Vec<u8>,
    pub report: ConversionReport,
    pub notes: Vec<String>,
}

/// Converts `glb` as `request` (resolved) asks.
pub fn convert(glb: &[u8], request: &ConversionRequest) -> Result<Made, ConvertError> {
    let made = |bytes, report, notes| Made {
        bytes,
        report,
        notes,
    };
    Ok(match *request {
        ConversionRequest::Usdz { height_m } => {
            let usdz = trellis_convert::to_usdz(glb, &UsdzOptions { height_m })?;
            let report = usdz.report;
            let report = ConversionReport::Usdz(ArReport {
                triangles: report.triangles,
                materials: report.materials as u64,
                textures: report.textures as u64,
                reencoded_textures: report.reencoded_textures as u64,
                size_m: report.size_m,
            });
            made(usdz.bytes, report, usdz.notes)
        }
        ConversionRequest::Stl {
            height_mm,
            make_printable,
        } => {
            let options = StlOptions {
                height_mm,
                make_printable,
            };
            let stl = trellis_convert::to_stl(glb, &options)?;
            let report = ConversionReport::Stl(stl.report);
            made(stl.bytes, report, stl.notes)
        }
        ConversionRequest::Obj {} => {
            let obj = trellis_convert::to_obj_zip(glb)?;
            let report = obj.report;
            let report = ConversionReport::Obj(DccReport {
                triangles: report.triangles,
                materials: report.materials as u64,
                textures: report.textures as u64,
                reencoded_textures: report.reencoded_textures as u64,
            });
            made(obj.bytes, report, obj.notes)
        }
    })
}

/// The `Content-Type` a conversion is served with.
pub fn media_type(request: &ConversionRequest) -> &'static str {
    let format = match request.format() {
        trellis_api::ConversionFormat::Usdz => trellis_convert::Format::Usdz,
        trellis_api::ConversionFormat::Stl => trellis_convert::Format::Stl,
        trellis_api::ConversionFormat::Obj => trellis_convert::Format::Obj,
    };
    format.media_type()
}

#[cfg(test)]
mod tests {
    use trellis_api::{
        AR_HEIGHT_RANGE_M, ConversionFormat, DEFAULT_AR_HEIGHT_M, DEFAULT_PRINT_HEIGHT_MM,
        PRINT_HEIGHT_RANGE_MM,
    };
    use trellis_convert::limits;

    use super::*;

    #[test]
    fn the_wire_accepts_exactly_what_the_converter_accepts() {
        assert_eq!(AR_HEIGHT_RANGE_M, limits::AR_HEIGHT_RANGE_M);
        assert_eq!(PRINT_HEIGHT_RANGE_MM, limits::PRINT_HEIGHT_RANGE_MM);
        assert_eq!(DEFAULT_AR_HEIGHT_M, UsdzOptions::default().height_m);
        assert_eq!(DEFAULT_PRINT_HEIGHT_MM, StlOptions::default().height_mm);
    }

    #[test]
    fn media_types_and_extensions_follow_the_converter() {
        let requests = [
            ConversionRequest::Usdz { height_m: 0.3 },
            ConversionRequest::Stl {
                height_mm: 100.0,
                make_printable: false,
            },
            ConversionRequest::Obj {},
        ];
        let formats = [
            trellis_convert::Format::Usdz,
            trellis_convert::Format::Stl,
            trellis_convert::Format::Obj,
        ];
        for (request, format) in requests.iter().zip(formats) {
            assert_eq!(media_type(request), format.media_type());
            assert_eq!(request.format().extension(), format.file_extension());
        }
        assert_eq!(ConversionFormat::ALL.len(), requests.len());
    }
}
